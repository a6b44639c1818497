package io.meshfed.transport.port;

import static io.meshfed.protocol.names.WireConstants.ALPN_IDS;
import static io.meshfed.protocol.names.WireConstants.ALPN_RPC;
import static io.meshfed.transport.port.PortAssertions.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.transport.tls.TlsContexts;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TLS alert a refused client receives from the server port (RFC 8446 §6.2, RFC 5246 §7.2.2,
 * RFC 7301 §3.2), read by the JDK's client over a real socket, with the server's production context.
 */
class ServerPortAlertsTest {
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
  void start() throws Exception {
    logs = new LogCapture();
    port = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .tls(TlsContexts.serverPort(pki.serverMaterial(), ALPN_IDS))
        .applicationProtocol(ALPN_RPC, rpc)
        .build());
  }

  @AfterEach
  void stop() {
    port.close();
    logs.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aTrustedClientWithACommonProtocolIsServed(String version) throws Exception {
    assertThat(outcome(Optional.of(pki.client), version, List.of(ALPN_RPC))).isEqualTo("open (read 120)");
    assertThat(port.stats().dispatched()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aCertificateFromAnotherCaIsUnknownCa(String version) throws Exception {
    assertThat(outcome(Optional.of(pki.stranger), version, List.of(ALPN_RPC)))
        .isEqualTo("Received fatal alert: unknown_ca");
    assertRefused(RefusalReason.TLS_HANDSHAKE_FAILED, "client certificate CN=" + TestPki.CLIENT_NODE_NAME
        + " is not issued by a trusted CA (issuer CN=meshfed test CA, which has our CA's name but not its key");
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void anExpiredCertificateIsCertificateExpired(String version) throws Exception {
    assertThat(outcome(Optional.of(pki.expiredClient), version, List.of(ALPN_RPC)))
        .isEqualTo("Received fatal alert: certificate_expired");
    assertRefused(RefusalReason.TLS_HANDSHAKE_FAILED, "expired on");
  }

  /** RFC 8446 §6.2: certificate_expired covers a certificate that "is not currently valid". */
  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aCertificateNotYetValidIsCertificateExpired(String version) throws Exception {
    assertThat(outcome(Optional.of(pki.notYetValidClient), version, List.of(ALPN_RPC)))
        .isEqualTo("Received fatal alert: certificate_expired");
    assertRefused(RefusalReason.TLS_HANDSHAKE_FAILED, "not valid before");
  }

  @Test
  void noCertificateIsCertificateRequiredInTls13() throws Exception {
    assertThat(outcome(Optional.empty(), "TLSv1.3", List.of(ALPN_RPC)))
        .isEqualTo("Received fatal alert: certificate_required");
    assertRefused(RefusalReason.TLS_HANDSHAKE_FAILED, "PEER_DID_NOT_RETURN_A_CERTIFICATE");
  }

  /** TLS 1.2 has no certificate_required; RFC 5246 §7.4.6 leaves handshake_failure. */
  @Test
  void noCertificateIsHandshakeFailureInTls12() throws Exception {
    assertThat(outcome(Optional.empty(), "TLSv1.2", List.of(ALPN_RPC)))
        .isEqualTo("Received fatal alert: handshake_failure");
    assertRefused(RefusalReason.TLS_HANDSHAKE_FAILED, "PEER_DID_NOT_RETURN_A_CERTIFICATE");
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void noCommonProtocolIsNoApplicationProtocol(String version) throws Exception {
    assertThat(outcome(Optional.of(pki.client), version, List.of("h2", "http/1.1")))
        .isEqualTo("Received fatal alert: no_application_protocol");
    assertRefused(RefusalReason.NO_APPLICATION_PROTOCOL, "no application protocol in common");
  }

  /** ALPN is how the port knows what follows, so offering none is no common protocol either. */
  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void noProtocolOfferedIsNoApplicationProtocol(String version) throws Exception {
    assertThat(outcome(Optional.of(pki.client), version, List.of()))
        .isEqualTo("Received fatal alert: no_application_protocol");
    assertRefused(RefusalReason.NO_APPLICATION_PROTOCOL, "no application protocol offered");
  }

  private String outcome(Optional<X509Bundle> certificate, String version, List<String> alpnIds) throws Exception {
    return JdkTlsClient.outcome(port.localAddress(), pki.ca, certificate, version, alpnIds);
  }

  private void assertRefused(RefusalReason reason, String detail) {
    await().atMost(WAIT).until(() -> port.stats().refusedTotal() == 1 && !logs.warnings().isEmpty());
    assertThat(port.stats().refused(reason)).as("refusals for %s", reason).isEqualTo(1);
    assertThat(logs.warnings()).singleElement()
        .satisfies(event -> assertThat(event.getFormattedMessage()).contains(detail));
    assertThat(rpc.connections).isEmpty();
  }
}
