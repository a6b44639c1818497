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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A FIN from either side ends only its own direction; the other keeps flowing. On epoll and NIO. */
class GatewayHalfCloseTest {
  private static final String N1 = "n1.server.dc1.meshfed";

  @ParameterizedTest
  @EnumSource(names = {"EPOLL", "NIO"})
  void theClientStopsSendingAndTheUpstreamStillReplies(GatewayTransport transport) throws Exception {
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
         MeshGateway gateway = GatewayTesting.start(transport, settings(dc1(1, Map.of("n1", upstream.address()))));
         Socket client = connect(gateway.listenAddress())) {
      send(client, request);
      client.shutdownOutput();
      assertThat(new String(readToEnd(client), StandardCharsets.US_ASCII)).isEqualTo("got " + request.length);
    }
  }

  /**
   * A reply far larger than the socket buffers, sent after the client's FIN: the gateway's writes to
   * the client must wait for room (EPOLLOUT on epoll) on a channel whose input has ended, which is
   * where Netty 4.2.18's own epoll loop lost the tail.
   */
  @ParameterizedTest
  @EnumSource(names = {"EPOLL", "NIO"})
  void aLargeReplyAfterTheClientsFinArrivesWhole(GatewayTransport transport) throws Exception {
    byte[] reply = new byte[32 * 1024 * 1024];
    new Random(19).nextBytes(reply);
    TestServer.Conversation largeReplyAfterEof = socket -> {
      socket.getInputStream().readAllBytes();
      socket.getOutputStream().write(reply);
      socket.getOutputStream().flush();
    };
    try (TestServer upstream = TestServer.plain(largeReplyAfterEof);
         MeshGateway gateway = GatewayTesting.start(transport, settings(dc1(1, Map.of("n1", upstream.address()))));
         Socket client = connect(gateway.listenAddress())) {
      send(client, ClientHellos.boringSsl(N1));
      client.shutdownOutput();
      byte[] received = readToEnd(client);
      assertThat(received.length).as("reply bytes through %s", gateway.transport()).isEqualTo(reply.length);
      assertThat(sha256(received)).isEqualTo(sha256(reply));
      assertThat(upstream.failures()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"EPOLL", "NIO"})
  void theUpstreamStopsSendingAndTheClientStillSends(GatewayTransport transport) throws Exception {
    Queue<String> afterEof = new ConcurrentLinkedQueue<>();
    TestServer.Conversation byeThenListen = socket -> {
      socket.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
      socket.shutdownOutput();
      afterEof.add(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
    };
    byte[] hello = ClientHellos.boringSsl(N1);
    try (TestServer upstream = TestServer.plain(byeThenListen);
         MeshGateway gateway = GatewayTesting.start(transport, settings(dc1(1, Map.of("n1", upstream.address()))));
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

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
