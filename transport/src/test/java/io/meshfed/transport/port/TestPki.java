package io.meshfed.transport.port;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** A CA with a server and a client certificate, plus a client certificate from an unrelated CA. */
final class TestPki {
  static final String SERVER_NODE_NAME = "n1.server.dc1.meshfed";
  static final String SERVER_DC_NAME = "server.dc1.meshfed";
  static final String CLIENT_NODE_NAME = "n2.server.dc1.meshfed";

  final X509Bundle server;
  final Path caPem;
  final Path clientCertPem;
  final Path clientKeyPem;
  final Path strangerCertPem;
  final Path strangerKeyPem;
  private final X509Bundle ca;

  private TestPki(X509Bundle ca, X509Bundle server, Path caPem, Path clientCertPem, Path clientKeyPem,
      Path strangerCertPem, Path strangerKeyPem) {
    this.ca = ca;
    this.server = server;
    this.caPem = caPem;
    this.clientCertPem = clientCertPem;
    this.clientKeyPem = clientKeyPem;
    this.strangerCertPem = strangerCertPem;
    this.strangerKeyPem = strangerKeyPem;
  }

  static TestPki create(Path dir) throws Exception {
    Instant now = Instant.now();
    CertificateBuilder base = new CertificateBuilder()
        .notBefore(now.minus(1, ChronoUnit.DAYS))
        .notAfter(now.plus(1, ChronoUnit.DAYS))
        .ecp256();
    X509Bundle ca = base.copy().subject("CN=meshfed test CA").setIsCertificateAuthority(true).buildSelfSigned();
    X509Bundle server = base.copy().subject("CN=" + SERVER_NODE_NAME)
        .addSanDnsName(SERVER_NODE_NAME).addSanDnsName(SERVER_DC_NAME)
        .addExtendedKeyUsageServerAuth().addExtendedKeyUsageClientAuth()
        .buildIssuedBy(ca);
    X509Bundle client = base.copy().subject("CN=" + CLIENT_NODE_NAME)
        .addSanDnsName(CLIENT_NODE_NAME).addSanDnsName(SERVER_DC_NAME)
        .addExtendedKeyUsageServerAuth().addExtendedKeyUsageClientAuth()
        .buildIssuedBy(ca);
    X509Bundle otherCa = base.copy().subject("CN=another CA").setIsCertificateAuthority(true).buildSelfSigned();
    X509Bundle stranger = base.copy().subject("CN=" + CLIENT_NODE_NAME)
        .addSanDnsName(CLIENT_NODE_NAME).addExtendedKeyUsageClientAuth()
        .buildIssuedBy(otherCa);
    return new TestPki(ca, server,
        write(dir.resolve("ca.pem"), ca.getCertificatePEM()),
        write(dir.resolve("client.pem"), client.getCertificatePEM()),
        write(dir.resolve("client-key.pem"), client.getPrivateKeyPEM()),
        write(dir.resolve("stranger.pem"), stranger.getCertificatePEM()),
        write(dir.resolve("stranger-key.pem"), stranger.getPrivateKeyPEM()));
  }

  /** A BoringSSL server context as the server builds it, trusting only this CA. */
  SslContext serverContext(ClientAuth clientAuth, List<String> alpnIds) throws Exception {
    return SslContextBuilder.forServer(server.getKeyPair().getPrivate(), server.getCertificatePath())
        .sslProvider(SslProvider.OPENSSL)
        .clientAuth(clientAuth)
        .trustManager(ca.getCertificate())
        .applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            // The OpenSSL provider accepts only ACCEPT here (FATAL_ALERT throws); it concerns the
            // client's check of the server's choice, which a server never makes.
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            alpnIds))
        .build();
  }

  private static Path write(Path file, String pem) throws Exception {
    return Files.writeString(file, pem);
  }
}
