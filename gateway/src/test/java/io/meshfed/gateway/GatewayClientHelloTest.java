package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.assertClosedByGateway;
import static io.meshfed.gateway.GatewayTesting.connect;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.send;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.route.RouteTable;
import io.meshfed.gateway.sni.ClientHellos;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ClientHello over real sockets, sent by hand: every byte reaches the upstream unchanged however
 * it is cut, and each way of failing is closed and counted under its own outcome.
 */
class GatewayClientHelloTest {
  private static final String N1 = "n1.server.dc1.meshfed";

  private final Queue<byte[]> received = new ConcurrentLinkedQueue<>();
  private TestServer upstream;

  @BeforeEach
  void upstream() throws Exception {
    upstream = TestServer.plain(Conversations.recordUntilEof(received));
  }

  @AfterEach
  void stop() throws Exception {
    upstream.close();
  }

  @Test
  void aClientHelloSentOneByteAtATimeArrivesUnchanged() throws Exception {
    byte[] bytes = ClientHellos.concat(ClientHellos.boringSsl(N1), "and then some".getBytes(StandardCharsets.US_ASCII));
    try (MeshGateway gateway = start(settings(routes()));
         Socket client = connect(gateway.listenAddress())) {
      for (byte b : bytes) {
        send(client, new byte[] {b});
      }
      client.shutdownOutput();
      await().atMost(WAIT).until(() -> !received.isEmpty());
      assertThat(received.poll()).isEqualTo(bytes);
      assertThat(gateway.metrics().route(N1).total(Outcome.SPLICED)).isEqualTo(1);
    }
  }

  @Test
  void aClientHelloFragmentedOverRecordsArrivesUnchanged() throws Exception {
    byte[] bytes = ClientHellos.refragment(ClientHellos.jdk(N1), 37);
    try (MeshGateway gateway = start(settings(routes()));
         Socket client = connect(gateway.listenAddress())) {
      for (int at = 0; at < bytes.length; at += 50) {
        send(client, Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 50)));
      }
      client.shutdownOutput();
      await().atMost(WAIT).until(() -> !received.isEmpty());
      assertThat(received.poll()).isEqualTo(bytes);
    }
  }

  @Test
  void tooLargeIsClosedAndCounted() throws Exception {
    byte[] inOneByteRecords = ClientHellos.refragment(ClientHellos.jdk(N1), 1);
    try (MeshGateway gateway = start(settings(routes()).maxClientHelloBytes(1024))) {
      assertRefused(gateway, inOneByteRecords, Outcome.TOO_LARGE);
    }
  }

  @Test
  void anIncompleteClientHelloTimesOut() throws Exception {
    byte[] hello = ClientHellos.jdk(N1);
    try (MeshGateway gateway = start(settings(routes()).clientHelloTimeout(Duration.ofMillis(300)))) {
      assertRefused(gateway, Arrays.copyOf(hello, hello.length / 2), Outcome.TIMEOUT);
    }
  }

  @Test
  void garbageSslV2AndBrokenRecordsAreClosedAndCounted() throws Exception {
    try (MeshGateway gateway = start(settings(routes()))) {
      assertRefused(gateway, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), Outcome.NOT_TLS);
      assertRefused(gateway, new byte[] {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15}, Outcome.NOT_TLS);
      assertRefused(gateway, new byte[] {22, 3, 1, 0, 0}, Outcome.MALFORMED);
      assertRefused(gateway, ClientHellos.jdk(null), Outcome.NO_SNI);
      assertThat(gateway.metrics().unrouted().total(Outcome.NOT_TLS)).isEqualTo(2);
    }
  }

  @Test
  void aClientLeavingMidHelloIsCounted() throws Exception {
    try (MeshGateway gateway = start(settings(routes()))) {
      try (Socket client = connect(gateway.listenAddress())) {
        send(client, Arrays.copyOf(ClientHellos.jdk(N1), 20));
      }
      await().atMost(WAIT).until(() -> gateway.metrics().unrouted().total(Outcome.CLIENT_CLOSED) == 1);
    }
  }

  private void assertRefused(MeshGateway gateway, byte[] bytes, Outcome outcome) throws Exception {
    long before = gateway.metrics().unrouted().total(outcome);
    try (Socket client = connect(gateway.listenAddress())) {
      send(client, bytes);
      assertClosedByGateway(client);
    }
    await().atMost(WAIT).until(() -> gateway.metrics().unrouted().total(outcome) == before + 1);
    assertThat(upstream.accepted()).isZero();
  }

  private RouteTable routes() {
    return dc1(1, Map.of("n1", upstream.address()));
  }

  private static MeshGateway start(GatewaySettings.Builder settings) throws Exception {
    return MeshGateway.start(settings.build());
  }
}
