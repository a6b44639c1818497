package io.meshfed.gateway;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import javax.net.ssl.SSLContext;

/** A test CA issuing server certificates for SNI names, and a client context that trusts only it. */
final class TestPki {
  private final CertificateBuilder base;
  private final X509Bundle ca;

  private TestPki(CertificateBuilder base, X509Bundle ca) {
    this.base = base;
    this.ca = ca;
  }

  static TestPki create() throws Exception {
    Instant now = Instant.now();
    CertificateBuilder base = new CertificateBuilder()
        .notBefore(now.minus(1, ChronoUnit.DAYS))
        .notAfter(now.plus(1, ChronoUnit.DAYS))
        .ecp256();
    return new TestPki(base, base.copy().subject("CN=meshfed gateway test CA").setIsCertificateAuthority(true)
        .buildSelfSigned());
  }

  /** A server context presenting a certificate for {@code dnsNames}. */
  SSLContext server(String... dnsNames) throws Exception {
    CertificateBuilder leaf = base.copy().subject("CN=" + dnsNames[0]).addExtendedKeyUsageServerAuth();
    for (String name : dnsNames) {
      leaf.addSanDnsName(name);
    }
    X509Bundle bundle = leaf.buildIssuedBy(ca);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(bundle.toKeyManagerFactory().getKeyManagers(), null, null);
    return context;
  }

  SSLContext client() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
    return context;
  }

  String caPem() {
    return ca.getCertificatePEM();
  }
}
