package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.connect;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.readToEnd;
import static io.meshfed.gateway.GatewayTesting.send;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.gateway.sni.ClientHellos;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** A FIN from either side ends only its own direction; the other keeps flowing. */
class GatewayHalfCloseTest {
  private static final String N1 = "n1.server.dc1.meshfed";

  @Test
  void theClientStopsSendingAndTheUpstreamStillReplies() throws Exception {
    byte[] request = ClientHellos.concat(ClientHellos.boringSsl(N1), "request".getBytes(StandardCharsets.US_ASCII));
    // Replies only once it has seen EOF: the reply proves the half-close went through and the other
    // direction stayed open.
    TestServer.Conversation replyAfterEof = socket -> {
      int length = socket.getInputStream().readAllBytes().length;
      OutputStream out = socket.getOutputStream();
      out.write(("got " + length).getBytes(StandardCharsets.US_ASCII));
      out.flush();
    };
    try (TestServer upstream = TestServer.plain(replyAfterEof);
         MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", upstream.address()))).build());
         Socket client = connect(gateway.listenAddress())) {
      send(client, request);
      client.shutdownOutput();
      assertThat(new String(readToEnd(client), StandardCharsets.US_ASCII)).isEqualTo("got " + request.length);
    }
  }

  @Test
  void theUpstreamStopsSendingAndTheClientStillSends() throws Exception {
    Queue<String> afterEof = new ConcurrentLinkedQueue<>();
    TestServer.Conversation byeThenListen = socket -> {
      socket.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
      socket.shutdownOutput();
      afterEof.add(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
    };
    byte[] hello = ClientHellos.boringSsl(N1);
    try (TestServer upstream = TestServer.plain(byeThenListen);
         MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", upstream.address()))).build());
         Socket client = connect(gateway.listenAddress())) {
      send(client, hello);
      InputStream in = client.getInputStream();
      assertThat(new String(in.readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("bye");
      assertThat(in.read()).as("EOF from the upstream").isEqualTo(-1);
      send(client, "still here".getBytes(StandardCharsets.US_ASCII));
      client.shutdownOutput();
      await().atMost(WAIT).until(() -> !afterEof.isEmpty());
      assertThat(afterEof.poll()).endsWith("still here");
    }
  }
}
