package io.meshfed.transport.port;

import io.meshfed.transport.tls.TlsMaterial;
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

/**
 * A CA with a server and a client certificate, client certificates outside their validity, plus a
 * client certificate from another CA.
 */
final class TestPki {
  static final String SERVER_NODE_NAME = "n1.server.dc1.meshfed";
  static final String SERVER_DC_NAME = "server.dc1.meshfed";
  static final String CLIENT_NODE_NAME = "n2.server.dc1.meshfed";

  final X509Bundle ca;
  final X509Bundle server;
  final X509Bundle client;
  final X509Bundle stranger;
  final X509Bundle expiredClient;
  final X509Bundle notYetValidClient;
  final Path caPem;
  final Path clientCertPem;
  final Path clientKeyPem;
  final Path strangerCertPem;
  final Path strangerKeyPem;
  private final Path serverCertPem;
  private final Path serverKeyPem;

  private TestPki(Path dir, X509Bundle ca, X509Bundle server, X509Bundle client, X509Bundle stranger,
      X509Bundle expiredClient, X509Bundle notYetValidClient) throws Exception {
    this.ca = ca;
    this.server = server;
    this.client = client;
    this.stranger = stranger;
    this.expiredClient = expiredClient;
    this.notYetValidClient = notYetValidClient;
    this.caPem = write(dir.resolve("ca.pem"), ca.getCertificatePEM());
    this.serverCertPem = write(dir.resolve("server.pem"), server.getCertificatePEM());
    this.serverKeyPem = write(dir.resolve("server-key.pem"), server.getPrivateKeyPEM());
    this.clientCertPem = write(dir.resolve("client.pem"), client.getCertificatePEM());
    this.clientKeyPem = write(dir.resolve("client-key.pem"), client.getPrivateKeyPEM());
    this.strangerCertPem = write(dir.resolve("stranger.pem"), stranger.getCertificatePEM());
    this.strangerKeyPem = write(dir.resolve("stranger-key.pem"), stranger.getPrivateKeyPEM());
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
    // Another DC's CA: its own key, but the same name, as two runs of "meshfed tls ca create" give.
    X509Bundle otherCa = base.copy().subject("CN=meshfed test CA").setIsCertificateAuthority(true).buildSelfSigned();
    X509Bundle stranger = base.copy().subject("CN=" + CLIENT_NODE_NAME)
        .addSanDnsName(CLIENT_NODE_NAME).addExtendedKeyUsageClientAuth()
        .buildIssuedBy(otherCa);
    CertificateBuilder clientCert = base.copy().subject("CN=" + CLIENT_NODE_NAME)
        .addSanDnsName(CLIENT_NODE_NAME).addExtendedKeyUsageClientAuth();
    X509Bundle expired = clientCert.copy()
        .notBefore(now.minus(3, ChronoUnit.DAYS)).notAfter(now.minus(2, ChronoUnit.DAYS)).buildIssuedBy(ca);
    X509Bundle notYetValid = clientCert.copy()
        .notBefore(now.plus(2, ChronoUnit.DAYS)).notAfter(now.plus(3, ChronoUnit.DAYS)).buildIssuedBy(ca);
    return new TestPki(dir, ca, server, client, stranger, expired, notYetValid);
  }

  /** The server's files as the server loads them: the production server-port context is built from these. */
  TlsMaterial serverMaterial() {
    return TlsMaterial.load(caPem, serverCertPem, serverKeyPem);
  }

  /**
   * A BoringSSL server context trusting only this CA, with the JDK's trust manager as Netty builds
   * it; {@link #serverMaterial} gives the server's own.
   */
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
