package io.meshfed.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.transport.tls.CertificateTool.Issued;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateToolTest {
  private static final Issued CA = CertificateTool.createCa("example", Duration.ofDays(10));

  private static List<List<?>> sans(X509Certificate cert) throws Exception {
    return List.copyOf(cert.getSubjectAlternativeNames());
  }

  @Test
  void caIsACaAndOnlySigns() throws Exception {
    X509Certificate ca = CA.certificate();
    assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=meshfed CA example");
    assertThat(ca.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    assertThat(ca.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
    // digitalSignature .. decipherOnly; keyCertSign is bit 5, cRLSign bit 6.
    assertThat(ca.getKeyUsage()).containsExactly(false, false, false, false, false, true, true, false, false);
    assertThat(ca.getExtensionValue("2.5.29.14")).isNotNull();
    assertThat(Duration.between(ca.getNotBefore().toInstant(), ca.getNotAfter().toInstant()))
        .isEqualTo(Duration.ofDays(10));
    ca.verify(ca.getPublicKey());
  }

  @Test
  void serverCertificateHasBothServerNamesInOrderAndBothUsages() throws Exception {
    X509Certificate cert = CertificateTool.createServerCert(CA, "dc1", "n1.rack2", "example", Duration.ofDays(5))
        .certificate();
    assertThat(sans(cert)).containsExactly(
        List.of(2, "n1.rack2.server.dc1.example"), List.of(2, "server.dc1.example"),
        List.of(2, "localhost"), List.of(7, "127.0.0.1"));
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getExtensionValue("2.5.29.35")).isNotNull();
    cert.verify(CA.certificate().getPublicKey());
  }

  @Test
  void clientCertificateOnlyAuthenticatesClients() throws Exception {
    X509Certificate cert = CertificateTool.createClientCert(CA, "dc2", "example", Duration.ofDays(5)).certificate();
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=client.dc2.example");
    assertThat(sans(cert)).containsExactly(List.of(2, "client.dc2.example"));
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    cert.verify(CA.certificate().getPublicKey());
  }

  @Test
  void keysAreWrittenAsPkcs8AndReadBack() {
    Issued server = CertificateTool.createServerCert(CA, "dc1", "n1", "example", Duration.ofDays(5));
    assertThat(server.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(server.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(PemFiles.matches(server.privateKey(), server.certificate().getPublicKey())).isTrue();
    assertThat(PemFiles.matches(CA.privateKey(), server.certificate().getPublicKey())).isFalse();
  }
}
