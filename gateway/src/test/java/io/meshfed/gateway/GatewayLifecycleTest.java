package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.gatewayThreads;
import static io.meshfed.gateway.GatewayTesting.readToEnd;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Start and close leave nothing behind; bad settings fail with one clear line. */
class GatewayLifecycleTest {

  @Test
  void threeStartStopRoundsLeaveNoThreadsAndFreePorts() throws Exception {
    TestPki pki = TestPki.create();
    try (TestServer n1 = TestServer.tls(pki.server("n1.server.dc1.meshfed"),
        Conversations.greetAndEcho("n1", new AtomicLong(), new ConcurrentLinkedQueue<>()))) {
      for (int round = 0; round < 3; round++) {
        MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", n1.address())))
            .admin("127.0.0.1", 0).build());
        InetSocketAddress listen = gateway.listenAddress();
        InetSocketAddress admin = gateway.adminAddress().orElseThrow();
        try (TlsClient open = TlsClient.connect(listen, "n1.server.dc1.meshfed", pki.client())) {
          assertThat(open.greeting()).isEqualTo("n1");
          assertThat(gatewayThreads()).as("threads are named, so the leak check can fail").isNotEmpty();
          gateway.close();
          assertThat(readToEnd(open.socket())).as("an open connection is closed").isEmpty();
        }
        await().atMost(WAIT).until(() -> gatewayThreads().isEmpty());
        assertPortFree(listen);
        assertPortFree(admin);
      }
    }
  }

  @Test
  void closingTwiceIsHarmless() throws Exception {
    MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of())).build());
    gateway.close();
    gateway.close();
    await().atMost(WAIT).until(() -> gatewayThreads().isEmpty());
  }

  @Test
  void aPortInUseFailsTheStartAndLeavesNoThreads() throws Exception {
    try (MeshGateway first = MeshGateway.start(settings(dc1(1, Map.of())).build())) {
      int port = first.listenAddress().getPort();
      assertThatThrownBy(() -> MeshGateway.start(GatewaySettings.builder("127.0.0.1", port).build()))
          .isInstanceOf(IOException.class)
          // NIO's BindException and epoll's NativeIoException (errno 98) both say so
          .hasMessageStartingWith("gateway: cannot bind the listen address 127.0.0.1:" + port)
          .rootCause().isInstanceOf(IOException.class).hasMessageContaining("Address already in use");
      assertThatThrownBy(() -> MeshGateway.start(GatewaySettings.builder("127.0.0.1", 0).admin("127.0.0.1", port).build()))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("gateway: cannot bind the admin address 127.0.0.1:" + port);
    }
    await().atMost(WAIT).until(() -> gatewayThreads().isEmpty());
  }

  @Test
  void epollByDefaultWhereItLoadsAndNioOnRequest() throws Exception {
    try (MeshGateway auto = MeshGateway.start(settings(dc1(1, Map.of())).build());
         MeshGateway nio = MeshGateway.start(settings(dc1(1, Map.of())).transport(GatewayTransport.NIO).build())) {
      assertThat(auto.transport()).isEqualTo(Epoll.isAvailable() ? "epoll" : "nio");
      assertThat(nio.transport()).isEqualTo("nio");
    }
    assertThat(GatewayTransport.parse(" Epoll")).isEqualTo(GatewayTransport.EPOLL);
    assertThat(GatewayTransport.parse("nio")).isEqualTo(GatewayTransport.NIO);
    assertThatThrownBy(() -> GatewayTransport.parse("kqueue")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("gateway transport must be auto, epoll or nio, got 'kqueue'");
  }

  @Test
  void invalidSettingsFailWithOneLineNamingTheSetting() {
    assertInvalid(() -> GatewaySettings.builder("127.0.0.1", 70000), "gateway listen port must be 0..65535, got 70000");
    assertInvalid(() -> base().maxClientHelloBytes(10).build(), "gateway max-client-hello-bytes must be 64..1048576, got 10");
    assertInvalid(() -> base().clientHelloTimeout(Duration.ZERO).build(), "gateway client-hello-timeout must be at least 1 ms, got PT0S");
    assertInvalid(() -> base().connectTimeout(Duration.ofSeconds(-1)).build(), "gateway connect-timeout must be at least 1 ms, got PT-1S");
    assertInvalid(() -> base().idleTimeout(Duration.ofNanos(5)).build(), "gateway idle-timeout must be at least 1 ms, got PT0.000000005S");
    assertInvalid(() -> base().ejectionTime(Duration.ZERO).build(), "gateway ejection-time must be at least 1 ms, got PT0S");
    assertInvalid(() -> base().connectAttempts(0).build(), "gateway connect-attempts must be at least 1, got 0");
    assertInvalid(() -> base().ejectAfterFailures(0).build(), "gateway eject-after-failures must be at least 1, got 0");
    assertInvalid(() -> base().maxConnectionsPerRoute(0).build(), "gateway max-connections-per-route must be at least 1, got 0");
    assertInvalid(() -> base().ioThreads(-1).build(), "gateway io-threads must be 0 (default) or more, got -1");
    assertInvalid(() -> base().drainTimeout(Duration.ofSeconds(-1)).build(), "gateway drain-timeout must be 0 or more, got PT-1S");
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    GatewaySettings settings = base().build();
    assertThat(settings.maxClientHelloBytes()).isEqualTo(16 * 1024);
    assertThat(settings.clientHelloTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.connectAttempts()).isEqualTo(3);
    assertThat(settings.ejectAfterFailures()).isEqualTo(3);
    assertThat(settings.ejectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.idleTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(settings.maxConnectionsPerRoute()).isEqualTo(10_000);
    assertThat(settings.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(base().drainTimeout(Duration.ZERO).build().drainTimeout()).as("zero: stop at once").isZero();
    assertThat(settings.admin()).isEmpty();
  }

  private static GatewaySettings.Builder base() {
    return GatewaySettings.builder("127.0.0.1", 0);
  }

  private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable build, String message) {
    assertThatThrownBy(build).isInstanceOf(IllegalArgumentException.class).hasMessage(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  private static void assertPortFree(InetSocketAddress address) throws IOException {
    try (ServerSocket socket = new ServerSocket(address.getPort(), 1, InetAddress.getLoopbackAddress())) {
      assertThat(socket.getLocalPort()).isEqualTo(address.getPort());
    }
  }
}
