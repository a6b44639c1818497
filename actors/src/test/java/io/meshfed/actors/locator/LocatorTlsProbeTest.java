package io.meshfed.actors.locator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.port.ServerPort;
import io.meshfed.transport.port.ServerPortSettings;
import io.meshfed.transport.tls.TlsContexts;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real probe against real TLS servers: it passes only when the server behind the gateway
 * proves the probed name with a certificate of the trusted CA, and it never leaves a connection open.
 */
class LocatorTlsProbeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private TestCerts certs;
  private TlsGatewayProbe probe;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    certs = new TestCerts(dir);
    probe = TlsGatewayProbe.create(certs.server("dc2", "n0"), Duration.ofSeconds(5));
  }

  @AfterEach
  void tearDown() throws Exception {
    probe.close().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private InetSocketAddress tlsServer(String dc, String node) throws Exception {
    ServerPort port = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .tls(TlsContexts.serverPort(certs.server(dc, node), List.of(WireConstants.ALPN_RPC)))
        .applicationProtocol(WireConstants.ALPN_RPC, (pipeline, info) -> { })
        .build());
    open.add(port);
    return new InetSocketAddress("127.0.0.1", port.localAddress().getPort());
  }

  @Test
  void aServerProvingTheProbedNamePasses() throws Exception {
    InetSocketAddress server = tlsServer("dc1", "n1");
    probe.probe(server, "server.dc1.meshfed").toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void aCertificateForAnotherNameFails() throws Exception {
    InetSocketAddress wrongDc = tlsServer("dc3", "n1");
    assertThatThrownBy(() -> probe.probe(wrongDc, "server.dc1.meshfed").toCompletableFuture()
        .get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("TLS handshake with server.dc1.meshfed via 127.0.0.1:" + wrongDc.getPort() + " failed");
  }

  @Test
  void aHangingGatewayTimesOutAndItsConnectionIsClosed() throws Exception {
    TlsGatewayProbe quick = TlsGatewayProbe.create(certs.server("dc2", "n0"), Duration.ofMillis(300));
    try (SilentServer silent = new SilentServer()) {
      assertThatThrownBy(() -> quick.probe(silent.address(), "server.dc1.meshfed").toCompletableFuture()
          .get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .hasCauseInstanceOf(TimeoutException.class);
      silent.closedByPeer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } finally {
      quick.close().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @Test
  void cancellingAProbeClosesItsConnection() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      var attempt = probe.probe(silent.address(), "server.dc1.meshfed").toCompletableFuture();
      silent.accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      attempt.cancel(true);
      silent.closedByPeer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(attempt).isCancelled();
    }
  }

  /** Closing does not wait for anything: the event loop closes what is still open on its own thread. */
  @Test
  void closingReleasesAProbeInFlightOnItsOwn() throws Exception {
    TlsGatewayProbe closing = TlsGatewayProbe.create(certs.server("dc2", "n0"), Duration.ofSeconds(30));
    try (SilentServer silent = new SilentServer()) {
      var attempt = closing.probe(silent.address(), "server.dc1.meshfed").toCompletableFuture();
      silent.accepted.get(WAIT.toSeconds(), TimeUnit.SECONDS);

      var closed = closing.close().toCompletableFuture();
      silent.closedByPeer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThatThrownBy(() -> attempt.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
      assertThatThrownBy(() -> closing.probe(silent.address(), "server.dc1.meshfed").toCompletableFuture().join())
          .hasMessageContaining("the gateway probe is closed");
    }
  }
}
