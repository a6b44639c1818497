package io.meshfed.transport.port;

import static io.meshfed.protocol.names.WireConstants.ALPN_IDS;
import static io.meshfed.protocol.names.WireConstants.ALPN_RPC;
import static io.meshfed.protocol.names.WireConstants.TLS_HANDSHAKE_RECORD;
import static io.meshfed.protocol.names.WireConstants.TYPE_RPC;
import static io.meshfed.transport.port.PortAssertions.WAIT;
import static io.meshfed.transport.port.PortAssertions.assertClosedByServer;
import static io.meshfed.transport.port.PortAssertions.assertClosedByServerAfterItsReply;
import static io.meshfed.transport.port.PortAssertions.assertRefusedOnce;
import static io.meshfed.transport.port.PortAssertions.connect;
import static io.meshfed.transport.port.PortAssertions.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContext;
import io.netty.handler.ssl.SslContext;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS side, driven by Debian's openssl s_client against a BoringSSL server port. */
class ServerPortTlsTest {
  /** Short, for the tests of the timeout; the others keep the default so a slow machine passes. */
  private static final Duration SHORT_HANDSHAKE_TIMEOUT = Duration.ofMillis(300);

  @TempDir static Path pemDir;
  private static TestPki pki;

  private final RecordingProtocol rpc = new RecordingProtocol("rpc");
  private LogCapture logs;
  private ServerPort port;

  @BeforeAll
  static void createPki() throws Exception {
    pki = TestPki.create(pemDir);
  }

  @BeforeEach
  void captureLogs() {
    logs = new LogCapture();
  }

  @AfterEach
  void stop() {
    if (port != null) {
      port.close();
    }
    logs.close();
  }

  /** isBoringSSL() is not public in Netty 4.2, so check the version string. */
  @Test
  void serverTlsIsBoringSsl() throws Exception {
    assertThat(OpenSsl.isAvailable()).as("tcnative loaded: %s", OpenSsl.unavailabilityCause()).isTrue();
    assertThat(OpenSsl.versionString()).contains("BoringSSL");
    assertThat(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS)).isInstanceOf(OpenSslContext.class);
  }

  @Test
  void mutualTlsWithAlpnReachesTheRegisteredHandlerWithEveryByte() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    try (OpenSslClient client = trustedClient("-alpn", ALPN_RPC)) {
      client.send("hello meshfed\n");
      await().atMost(WAIT).until(() -> client.output().contains("hello meshfed"));
      client.send("second line\n");
      await().atMost(WAIT).until(() -> client.output().contains("second line"));
      client.closeInput();
      assertThat(client.awaitExit(WAIT)).as(client.output()).isZero();
      assertThat(client.output()).contains("ALPN protocol: " + ALPN_RPC).contains("Verify return code: 0 (ok)");
    }
    ConnectionInfo info = rpc.connections.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(info).isNotNull();
    assertThat(info.serverName()).contains(TestPki.SERVER_NODE_NAME);
    assertThat(info.applicationProtocol()).contains(ALPN_RPC);
    assertThat(info.remoteAddress().getAddress().isLoopbackAddress()).isTrue();
    assertThat(info.peerCertificate()).hasValueSatisfying(peer -> {
      assertThat(peer.subject()).isEqualTo(new X500Principal("CN=" + TestPki.CLIENT_NODE_NAME));
      assertThat(peer.dnsNames()).containsExactly(TestPki.CLIENT_NODE_NAME, TestPki.SERVER_DC_NAME);
    });
    assertThat(port.stats().dispatched()).isEqualTo(1);
    assertThat(port.stats().refusedTotal()).isZero();
    assertThat(logs.warnings()).isEmpty();
  }

  @Test
  void clientWithoutCertificateIsRefused() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    runUntilServerCloses(client("-alpn", ALPN_RPC));
    assertRefusedOnce(port, logs, RefusalReason.TLS_HANDSHAKE_FAILED, "TLS handshake failed: ");
    assertThat(logs.warnings().get(0).getFormattedMessage()).contains("PEER_DID_NOT_RETURN_A_CERTIFICATE");
    assertThat(rpc.connections).isEmpty();
  }

  @Test
  void clientCertificateIsRequiredEvenWhereTheContextDoesNotAskForOne() throws Exception {
    start(pki.serverContext(ClientAuth.NONE, ALPN_IDS));
    runUntilServerCloses(client("-alpn", ALPN_RPC));
    assertRefusedOnce(port, logs, RefusalReason.TLS_HANDSHAKE_FAILED, "TLS handshake failed: ");
    assertThat(logs.warnings().get(0).getFormattedMessage()).contains("PEER_DID_NOT_RETURN_A_CERTIFICATE");
    assertThat(rpc.connections).isEmpty();
  }

  @Test
  void certificateFromAnotherCaIsRefused() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    runUntilServerCloses(client("-alpn", ALPN_RPC,
        "-cert", pki.strangerCertPem.toString(), "-key", pki.strangerKeyPem.toString()));
    assertRefusedOnce(port, logs, RefusalReason.TLS_HANDSHAKE_FAILED, "TLS handshake failed: ");
    // The other CA has our CA's name, so the JDK finds a path and fails on its signature.
    assertThat(logs.warnings().get(0).getFormattedMessage()).contains("signature check failed");
    assertThat(rpc.connections).isEmpty();
  }

  /** Refused from the ClientHello with no_application_protocol (RFC 7301 §3.2), see ServerPortAlertsTest. */
  @Test
  void alpnIdTheServerDoesNotSpeakIsRefused() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    try (OpenSslClient client = trustedClient("-alpn", "foo/bar")) {
      runUntilServerCloses(client);
      assertThat(client.output()).contains("no application protocol");
    }
    assertRefusedOnce(port, logs, RefusalReason.NO_APPLICATION_PROTOCOL,
        "no application protocol in common: the client offered [foo/bar], this port serves [meshfed/rpc]");
  }

  @Test
  void clientWithoutAlpnIsRefused() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    runUntilServerCloses(trustedClient());
    assertRefusedOnce(port, logs, RefusalReason.NO_APPLICATION_PROTOCOL,
        "no application protocol offered (ALPN is required)");
  }

  @Test
  void anIdTheContextOffersButNoHandlerServesIsNoProtocolInCommon() throws Exception {
    // The context offers every meshfed id, but this port serves only RPC.
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    runUntilServerCloses(trustedClient("-alpn", "meshfed/wan-gossip/stream"));
    assertRefusedOnce(port, logs, RefusalReason.NO_APPLICATION_PROTOCOL,
        "no application protocol in common: the client offered [meshfed/wan-gossip/stream]");
  }

  @Test
  void plaintextTypeByteIsRefusedWhenTlsIsConfigured() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    try (Socket socket = connect(port.localAddress())) {
      write(socket, TYPE_RPC, (byte) 'x');
      assertClosedByServer(socket);
    }
    assertRefusedOnce(port, logs, RefusalReason.PLAINTEXT_REFUSED,
        "plaintext connection refused: TLS is required on this server port");
  }

  /** Above the type bytes means TLS, so anything else there fails the TLS handshake. */
  @Test
  void httpRequestOnTheTlsPortFailsTheHandshake() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    try (Socket socket = connect(port.localAddress())) {
      write(socket, ("GET / HTTP/1.1\r\nHost: x\r\n" + "X-Padding: " + "p".repeat(2000) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      assertClosedByServer(socket);
    }
    assertRefusedOnce(port, logs, RefusalReason.TLS_HANDSHAKE_FAILED,
        "TLS handshake failed: not an SSL/TLS record");
  }

  @Test
  void firstByteWithoutTheRestOfTheRecordIsClosedAfterTheHandshakeTimeout() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS), SHORT_HANDSHAKE_TIMEOUT);
    try (Socket socket = connect(port.localAddress())) {
      // The start of a TLS record header (RFC 8446 §5.1), then nothing.
      write(socket, TLS_HANDSHAKE_RECORD, (byte) 0x03);
      assertClosedByServer(socket);
    }
    assertRefusedOnce(port, logs, RefusalReason.HANDSHAKE_TIMEOUT, "handshake not completed within 300ms");
  }

  @Test
  void clientThatStopsAfterItsClientHelloIsClosedAfterTheHandshakeTimeout() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS), SHORT_HANDSHAKE_TIMEOUT);
    try (Socket socket = connect(port.localAddress())) {
      write(socket, clientHello());
      assertClosedByServerAfterItsReply(socket);
    }
    // Closing a handshake in progress also fails it; that must not count as a second refusal.
    assertRefusedOnce(port, logs, RefusalReason.HANDSHAKE_TIMEOUT, "handshake not completed within 300ms");
  }

  @Test
  void clientThatHangsUpMidHandshakeIsAFailedHandshake() throws Exception {
    start(pki.serverContext(ClientAuth.REQUIRE, ALPN_IDS));
    try (Socket socket = connect(port.localAddress())) {
      write(socket, clientHello());
      socket.shutdownOutput();
      assertClosedByServerAfterItsReply(socket);
    }
    assertRefusedOnce(port, logs, RefusalReason.TLS_HANDSHAKE_FAILED, "TLS handshake failed: ");
  }

  /** A real ClientHello from the JDK's engine, offering RPC, which the test then never follows up. */
  private static byte[] clientHello() throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine(TestPki.SERVER_NODE_NAME, 0);
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {ALPN_RPC});
    engine.setSSLParameters(parameters);
    ByteBuffer record = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), record);
    record.flip();
    byte[] bytes = new byte[record.remaining()];
    record.get(bytes);
    return bytes;
  }

  private void start(SslContext context) throws Exception {
    start(context, ServerPortSettings.DEFAULT_HANDSHAKE_TIMEOUT);
  }

  private void start(SslContext context, Duration handshakeTimeout) throws Exception {
    port = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .tls(context)
        .applicationProtocol(ALPN_RPC, rpc)
        .handshakeTimeout(handshakeTimeout)
        .build());
  }

  private OpenSslClient trustedClient(String... options) throws Exception {
    List<String> all = new ArrayList<>(List.of(options));
    all.addAll(List.of("-cert", pki.clientCertPem.toString(), "-key", pki.clientKeyPem.toString()));
    return client(all.toArray(String[]::new));
  }

  private OpenSslClient client(String... options) throws Exception {
    List<String> all = new ArrayList<>(List.of(
        "-servername", TestPki.SERVER_NODE_NAME, "-CAfile", pki.caPem.toString()));
    all.addAll(List.of(options));
    return OpenSslClient.connect(port.localAddress().getPort(), all.toArray(String[]::new));
  }

  /** Keeps openssl's stdin open so that only the server's close can end it. */
  private void runUntilServerCloses(OpenSslClient client) throws Exception {
    try (client) {
      assertThat(client.awaitExit(WAIT)).as("openssl exit code; output:%n%s", client.output()).isNotEqualTo(-1);
    }
  }
}
