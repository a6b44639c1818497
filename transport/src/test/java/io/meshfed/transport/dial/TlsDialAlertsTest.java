package io.meshfed.transport.dial;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert our dialers (internal RPC, gossip, the gateway probe: all {@link TlsDial} with a
 * {@link TlsContexts#client} context) send a server whose certificate they refuse, as the JDK's
 * server reports it (RFC 8446 §6.2).
 */
class TlsDialAlertsTest {
  private static final String SERVER_NAME = "n1.server.dc1.meshfed";
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir static Path dir;
  private static X509Bundle ca;
  private static X509Bundle otherCa;
  private static TlsMaterial client;
  private static EventLoopGroup group;

  @BeforeAll
  static void setUp() throws Exception {
    Instant now = Instant.now();
    CertificateBuilder base = new CertificateBuilder()
        .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS)).ecp256();
    // Two DCs that each ran "meshfed tls ca create": different keys, the same name.
    ca = base.copy().subject("CN=meshfed CA meshfed").setIsCertificateAuthority(true).buildSelfSigned();
    otherCa = base.copy().subject("CN=meshfed CA meshfed").setIsCertificateAuthority(true).buildSelfSigned();
    X509Bundle clientCert = base.copy().subject("CN=n2.server.dc2.meshfed").addSanDnsName("n2.server.dc2.meshfed")
        .addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
    client = TlsMaterial.load(write("ca.pem", ca.getCertificatePEM()), write("client.pem", clientCert.getCertificatePEM()),
        write("client-key.pem", clientCert.getPrivateKeyPEM()));
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void tearDown() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void aServerCertificateFromAnotherCaIsUnknownCa() throws Exception {
    X509Bundle stranger = serverCertificate().buildIssuedBy(otherCa);
    Outcome outcome = dial(stranger);
    assertThat(outcome.serverSaw()).isEqualTo("Received fatal alert: unknown_ca");
    assertThat(outcome.dialError())
        .startsWith("TLS handshake with " + SERVER_NAME + " via ")
        .contains("is not issued by a trusted CA")
        .contains("(alert unknown_ca)");
  }

  @Test
  void anExpiredServerCertificateIsCertificateExpired() throws Exception {
    Instant now = Instant.now();
    X509Bundle expired = serverCertificate()
        .notBefore(now.minus(3, ChronoUnit.DAYS)).notAfter(now.minus(2, ChronoUnit.DAYS)).buildIssuedBy(ca);
    Outcome outcome = dial(expired);
    assertThat(outcome.serverSaw()).isEqualTo("Received fatal alert: certificate_expired");
    assertThat(outcome.dialError()).contains("expired on").contains("(alert certificate_expired)");
  }

  /** A certificate of our CA for another name: a wrong route, not a foreign CA. */
  @Test
  void aServerCertificateForAnotherNameIsBadCertificate() throws Exception {
    X509Bundle otherNode = new CertificateBuilder()
        .notBefore(Instant.now().minus(1, ChronoUnit.DAYS)).notAfter(Instant.now().plus(1, ChronoUnit.DAYS)).ecp256()
        .subject("CN=n9.server.dc1.meshfed").addSanDnsName("n9.server.dc1.meshfed")
        .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
    Outcome outcome = dial(otherNode);
    assertThat(outcome.serverSaw()).isEqualTo("Received fatal alert: bad_certificate");
    assertThat(outcome.dialError()).contains("No subject alternative DNS name matching " + SERVER_NAME);
  }

  private record Outcome(String serverSaw, String dialError) {}

  private static CertificateBuilder serverCertificate() {
    Instant now = Instant.now();
    return new CertificateBuilder()
        .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS)).ecp256()
        .subject("CN=" + SERVER_NAME).addSanDnsName(SERVER_NAME).addExtendedKeyUsageServerAuth();
  }

  /** A JDK server presenting {@code certificate} takes one dial of ours; what each side saw. */
  private static Outcome dial(X509Bundle certificate) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(certificate.toKeyManagerFactory().getKeyManagers(), ca.toTrustManagerFactory().getTrustManagers(),
        null);
    try (SSLServerSocket listener = (SSLServerSocket) context.getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      SSLParameters parameters = listener.getSSLParameters();
      parameters.setNeedClientAuth(true);
      parameters.setApplicationProtocols(new String[] {WireConstants.ALPN_RPC});
      listener.setSSLParameters(parameters);
      CompletableFuture<String> serverSaw = CompletableFuture.supplyAsync(() -> handshake(listener));
      SslContext dialing = TlsContexts.client(client, WireConstants.ALPN_RPC);
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
      CompletableFuture<?> dialed = TlsDial.open(group, address, dialing, SERVER_NAME, WireConstants.ALPN_RPC, WAIT,
          pipeline -> { }).toCompletableFuture();
      String dialError;
      try {
        dialed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        dialError = "dialed";
      } catch (ExecutionException e) {
        dialError = e.getCause().getMessage();
      }
      return new Outcome(serverSaw.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), dialError);
    }
  }

  private static String handshake(SSLServerSocket listener) {
    try (SSLSocket socket = (SSLSocket) listener.accept()) {
      socket.setSoTimeout((int) WAIT.toMillis());
      socket.startHandshake();
      // With TLS 1.3 the client's verdict on our certificate may come after our side is done.
      return socket.getInputStream().read() < 0 ? "closed without an alert" : "open";
    } catch (SSLException e) {
      return e.getMessage();
    } catch (Exception e) {
      return "failed without an alert: " + e;
    }
  }

  private static Path write(String name, String pem) throws Exception {
    return Files.writeString(dir.resolve(name), pem);
  }
}
