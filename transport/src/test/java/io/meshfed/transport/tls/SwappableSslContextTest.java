package io.meshfed.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.transport.tls.CertificateTool.Issued;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS over real sockets: a server that requires a client certificate and echoes lines, and a
 * client whose context is swapped between two connections. The connection made first keeps its
 * session; the next one presents the new certificate and trusts the new CA.
 */
class SwappableSslContextTest {
  private static final char[] PASSWORD = "x".toCharArray();
  private static final Issued OLD_CA = CertificateTool.createCa("old", TestPki.YEAR);
  private static final Issued NEW_CA = CertificateTool.createCa("new", TestPki.YEAR);

  @TempDir Path dir;
  private final ExecutorService acceptor = Executors.newSingleThreadExecutor();
  private final BlockingQueue<String> clientNames = new LinkedBlockingQueue<>();
  private SSLServerSocket server;

  @BeforeEach
  void serve() throws Exception {
    // The server accepts client certificates of either CA and presents one of the old CA's: what
    // changes is the client's side.
    Issued serverCert = CertificateTool.createServerCert(OLD_CA, "dc1", "n1", "meshfed", TestPki.YEAR);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", serverCert.privateKey(), PASSWORD, new X509Certificate[] {serverCert.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("old", OLD_CA.certificate());
    trusted.setCertificateEntry("new", NEW_CA.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 10, InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    acceptor.submit(() -> {
      while (!server.isClosed()) {
        SSLSocket s = (SSLSocket) server.accept();
        s.startHandshake();
        clientNames.add(((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName());
        Thread echo = new Thread(() -> echo(s), "echo");
        echo.setDaemon(true);
        echo.start();
      }
      return null;
    });
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    acceptor.shutdownNow();
    assertThat(acceptor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void newHandshakesUseTheContextInForceAndEstablishedConnectionsKeepTheirs() throws Exception {
    SwappableSslContext client = SwappableSslContext.of(clientContext("a", OLD_CA, OLD_CA));
    try (SSLSocket first = connect(client)) {
      assertThat(clientNames.poll(10, TimeUnit.SECONDS)).isEqualTo("CN=server.a.meshfed");
      assertThat(roundTrip(first, "before")).isEqualTo("before");

      client.swap(clientContext("b", NEW_CA, OLD_CA));
      assertThat(roundTrip(first, "after")).as("the connection made before the swap").isEqualTo("after");
      try (SSLSocket second = connect(client)) {
        assertThat(clientNames.poll(10, TimeUnit.SECONDS)).isEqualTo("CN=server.b.meshfed");
        assertThat(roundTrip(second, "new")).isEqualTo("new");
      }

      // Trusting only a CA that did not sign the server's certificate: new handshakes fail, the
      // first connection still works.
      client.swap(clientContext("c", NEW_CA, NEW_CA));
      try (SSLSocket third = (SSLSocket) client.getSocketFactory().createSocket(server.getInetAddress(),
          server.getLocalPort())) {
        assertThatThrownBy(third::startHandshake).isInstanceOf(SSLHandshakeException.class);
      }
      assertThat(roundTrip(first, "still")).isEqualTo("still");
    }
  }

  /** A client context from files, as a gateway builds it: a certificate of {@code dc}, signed by {@code issuer}. */
  private SSLContext clientContext(String dc, Issued issuer, Issued trustedCa) throws Exception {
    Issued cert = CertificateTool.createServerCert(issuer, dc, "c", "meshfed", TestPki.YEAR);
    Path ca = Files.writeString(dir.resolve(dc + "-ca.pem"), trustedCa.certificatePem());
    Path pem = Files.writeString(dir.resolve(dc + ".pem"), cert.certificatePem());
    Path key = Files.writeString(dir.resolve(dc + "-key.pem"), cert.privateKeyPem());
    return TlsContexts.apiClient(Optional.of(ca), Optional.of(pem), Optional.of(key));
  }

  private SSLSocket connect(SSLContext context) throws Exception {
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(server.getInetAddress(), server.getLocalPort());
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  private static String roundTrip(SSLSocket s, String line) throws Exception {
    PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
    out.println(line);
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
  }

  private static void echo(SSLSocket s) {
    try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
      PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        out.println(line);
      }
    } catch (Exception closed) {
      // the client went away
    }
  }
}
