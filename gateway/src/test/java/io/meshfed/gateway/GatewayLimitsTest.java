package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.assertClosedByGateway;
import static io.meshfed.gateway.GatewayTesting.connect;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.readToEnd;
import static io.meshfed.gateway.GatewayTesting.send;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.metrics.RouteStats;
import io.meshfed.gateway.sni.ClientHellos;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The idle timeout and the per-route cap. */
class GatewayLimitsTest {
  private static final String N1 = "n1.server.dc1.meshfed";

  @Test
  void anIdleConnectionIsClosedOnBothSides() throws Exception {
    Queue<byte[]> received = new ConcurrentLinkedQueue<>();
    try (TestServer upstream = TestServer.plain(Conversations.recordUntilEof(received));
         MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", upstream.address())))
             .idleTimeout(Duration.ofMillis(500)).build());
         Socket client = connect(gateway.listenAddress())) {
      send(client, ClientHellos.jdk(N1));
      assertThat(readToEnd(client)).as("closed by the gateway with nothing sent").isEmpty();
      await().atMost(WAIT).until(() -> !received.isEmpty());
      await().atMost(WAIT).until(() -> gateway.metrics().route(N1).active() == 0);
    }
  }

  @Test
  void theCapPerRouteRefusesAndCountsAndFreesUpOnClose() throws Exception {
    byte[] hello = ClientHellos.jdk(N1);
    Queue<byte[]> received = new ConcurrentLinkedQueue<>();
    try (TestServer upstream = TestServer.plain(Conversations.recordUntilEof(received));
         MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", upstream.address())))
             .maxConnectionsPerRoute(2).build());
         Socket first = connect(gateway.listenAddress());
         Socket second = connect(gateway.listenAddress())) {
      send(first, hello);
      send(second, hello);
      await().atMost(WAIT).until(() -> upstream.accepted() == 2);
      RouteStats stats = gateway.metrics().route(N1);
      assertThat(stats.active()).isEqualTo(2);

      try (Socket third = connect(gateway.listenAddress())) {
        send(third, hello);
        assertClosedByGateway(third);
      }
      await().atMost(WAIT).until(() -> stats.total(Outcome.LIMIT) == 1);

      first.close();
      await().atMost(WAIT).until(() -> stats.active() == 1);
      try (Socket fourth = connect(gateway.listenAddress())) {
        send(fourth, hello);
        await().atMost(WAIT).until(() -> upstream.accepted() == 3);
      }
      assertThat(stats.total(Outcome.SPLICED)).isEqualTo(3);
    }
  }
}
