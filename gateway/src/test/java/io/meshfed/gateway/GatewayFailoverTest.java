package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.deadAddress;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.metrics.RouteStats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Endpoints that refuse connections are skipped, then ejected. */
class GatewayFailoverTest {

  @Test
  void aDeadEndpointIsSkippedAndEjectedAfterRepeatedFailures() throws Exception {
    TestPki pki = TestPki.create();
    InetSocketAddress dead = deadAddress();
    List<TlsClient> held = new ArrayList<>();
    try (TestServer live = TestServer.tls(pki.server("n2.server.dc1.meshfed", "server.dc1.meshfed"),
             Conversations.greetAndEcho("n2", new AtomicLong(), new ConcurrentLinkedQueue<>()));
         MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", dead, "n2", live.address()))).build())) {
      // Connections stay open, so the live endpoint carries more of them and the choice by load
      // keeps preferring the dead one until it is ejected.
      for (int i = 0; i < 6; i++) {
        TlsClient client = TlsClient.connect(gateway.listenAddress(), "server.dc1.meshfed", pki.client());
        held.add(client);
        assertThat(client.greeting()).isEqualTo("n2");
      }
      RouteStats stats = gateway.metrics().route("server.dc1.meshfed");
      assertThat(stats.total(Outcome.SPLICED)).isEqualTo(6);
      assertThat(stats.total(Outcome.UPSTREAM_FAILED)).isZero();
      assertThat(gateway.metrics().ejections()).isEqualTo(1);
      assertThat(stats.active()).isEqualTo(6);
    } finally {
      for (TlsClient client : held) {
        client.close();
      }
    }
  }

  @Test
  void aRouteWhoseEndpointsAllFailClosesTheClientAndCountsIt() throws Exception {
    TestPki pki = TestPki.create();
    try (MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", deadAddress()))).build())) {
      assertThatThrownBy(() -> TlsClient.connect(gateway.listenAddress(), "n1.server.dc1.meshfed", pki.client()))
          .isInstanceOf(IOException.class);
      RouteStats stats = gateway.metrics().route("n1.server.dc1.meshfed");
      assertThat(stats.total(Outcome.UPSTREAM_FAILED)).isEqualTo(1);
      await().atMost(WAIT).until(() -> stats.active() == 0);
    }
  }

  @Test
  void anEndpointThatNeverAnswersTimesOutAndTheNextOneIsTried() throws Exception {
    TestPki pki = TestPki.create();
    // A listener that never accepts, its backlog filled: further SYNs are dropped, so connects hang.
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         TestServer live = TestServer.tls(pki.server("server.dc1.meshfed"),
             Conversations.greetAndEcho("live", new AtomicLong(), new ConcurrentLinkedQueue<>()))) {
      List<Socket> backlog = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          Socket filler = new Socket();
          filler.connect(silent.getLocalSocketAddress(), 200);
          backlog.add(filler);
        }
      } catch (IOException full) {
        // Once the backlog is full the kernel drops SYNs: that is the state this test needs.
      }
      InetSocketAddress hanging = (InetSocketAddress) silent.getLocalSocketAddress();
      try (MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", hanging)))
               .connectTimeout(Duration.ofMillis(300)).build())) {
        long started = System.nanoTime();
        assertThatThrownBy(() -> TlsClient.connect(gateway.listenAddress(), "n1.server.dc1.meshfed", pki.client()))
            .isInstanceOf(IOException.class);
        // Not refused at once, not hung until the client gives up: the connect timeout ended it.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
        assertThat(gateway.metrics().route("n1.server.dc1.meshfed").total(Outcome.UPSTREAM_FAILED)).isEqualTo(1);
        gateway.updateRoutes(dc1(2, Map.of("n1", hanging, "n2", live.address())));
        for (int i = 0; i < 3; i++) {
          try (TlsClient client = TlsClient.connect(gateway.listenAddress(), "server.dc1.meshfed", pki.client())) {
            assertThat(client.greeting()).isEqualTo("live");
          }
        }
      } finally {
        for (Socket filler : backlog) {
          filler.close();
        }
      }
    }
  }
}
