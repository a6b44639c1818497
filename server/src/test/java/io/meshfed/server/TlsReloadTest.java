package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.tls.CertificateTool;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CA and the server's certificate rotated without a restart, as docs/operations.md ("Rotating
 * certificates") does it: add the new CA beside the old one, reload, swap the certificate, reload.
 * New handshakes on the server port and the HTTPS port show the new certificate at once, peers with
 * certificates of either CA are accepted while both are trusted, an established connection is kept,
 * and a bad file is refused with one line while the material in force stays.
 */
class TlsReloadTest {
  private static final char[] NO_PASSWORD = new char[0];
  private static final String SNI = "n1.server.dc1.meshfed";

  @TempDir Path dir;

  @Test
  void aRotatedCaAndCertificateApplyToNewHandshakesAndABadFileChangesNothing() throws Exception {
    CertificateTool.Issued oldCa = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    CertificateTool.Issued newCa = CertificateTool.createCa("meshfed", Duration.ofDays(365));
    CertificateTool.Issued oldCert = CertificateTool.createServerCert(oldCa, "dc1", "n1", "meshfed", Duration.ofDays(30));
    CertificateTool.Issued newCert = CertificateTool.createServerCert(newCa, "dc1", "n1", "meshfed", Duration.ofDays(90));
    CertificateTool.Issued oldPeer = CertificateTool.createServerCert(oldCa, "dc1", "n2", "meshfed", Duration.ofDays(30));
    CertificateTool.Issued newPeer = CertificateTool.createServerCert(newCa, "dc1", "n2", "meshfed", Duration.ofDays(30));
    Path ca = Files.writeString(dir.resolve("ca.pem"), oldCa.certificatePem());
    Path cert = Files.writeString(dir.resolve("n1.pem"), oldCert.certificatePem());
    Path key = Files.writeString(dir.resolve("n1-key.pem"), oldCert.privateKeyPem());
    Map<String, Object> options = new HashMap<>(Map.of("tls.ca-file", ca.toString(), "tls.cert-file", cert.toString(),
        "tls.key-file", key.toString(), "ports.https", 0));
    MeshfedServer server = TestServers.start(dir.resolve("data"), options);
    try {
      int serverPort = server.config().ports().server();
      String httpsAddress = server.httpsAddress().orElseThrow();
      int https = Integer.parseInt(httpsAddress.substring(httpsAddress.lastIndexOf(':') + 1));
      assertThat(handshake(serverPort, oldPeer, List.of(oldCa), WireConstants.ALPN_RPC)).isEqualTo(oldCert.certificate());
      SSLSocket established = open(serverPort, oldPeer, List.of(oldCa), WireConstants.ALPN_RPC);

      // Step 1: the new CA beside the old one.
      Files.writeString(ca, oldCa.certificatePem() + newCa.certificatePem());
      assertThat(reload(server)).satisfies(r -> {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("2 trusted CA certificates");
      });
      // Step 2: the certificate issued by the new CA.
      Files.writeString(cert, newCert.certificatePem());
      Files.writeString(key, newCert.privateKeyPem());
      assertThat(reload(server).statusCode()).isEqualTo(200);

      for (CertificateTool.Issued peer : List.of(oldPeer, newPeer)) {
        assertThat(handshake(serverPort, peer, List.of(newCa), WireConstants.ALPN_RPC))
            .as("the server port, to a peer of either CA").isEqualTo(newCert.certificate());
      }
      assertThat(handshake(https, newPeer, List.of(newCa), "http/1.1")).as("the HTTPS port")
          .isEqualTo(newCert.certificate());
      assertThat(stillOpen(established)).as("a connection made before the reloads").isTrue();

      // A broken certificate file: refused with one line, and the certificate in force stays.
      Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
      HttpResponse<String> refused = reload(server);
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body()).isEqualTo("reload refused, nothing changed: meshfed.tls: cannot read cert-file " + cert
          + ": not a PEM certificate");
      assertThat(handshake(serverPort, newPeer, List.of(newCa), WireConstants.ALPN_RPC)).isEqualTo(newCert.certificate());
      // A certificate of a CA the server does not trust: refused too.
      Files.writeString(ca, newCa.certificatePem());
      Files.writeString(cert, oldCert.certificatePem());
      Files.writeString(key, oldCert.privateKeyPem());
      assertThat(reload(server).body()).isEqualTo("reload refused, nothing changed: meshfed.tls: cert-file " + cert
          + " is not signed by the CA in ca-file " + ca + " (issuer " + oldCa.certificate().getSubjectX500Principal()
          .getName() + ")");
      // With only the new CA in force, a peer of the old one is refused: the old CA was really removed.
      Files.writeString(cert, newCert.certificatePem());
      Files.writeString(key, newCert.privateKeyPem());
      assertThat(reload(server).statusCode()).isEqualTo(200);
      assertThatThrownBy(() -> handshake(serverPort, oldPeer, List.of(newCa), WireConstants.ALPN_RPC))
          .isInstanceOf(IOException.class);

      String metrics = TestServers.get(server, "/v1/agent/metrics", null).body();
      assertThat(metrics).contains("meshfed_tls_reloads_total{result=\"ok\"} 3\n",
          "meshfed_tls_reloads_total{result=\"refused\"} 2\n").containsPattern("meshfed_tls_certificate_expiry_days 89\\.9");
      established.close();
    } finally {
      TestServers.stop(server);
    }
  }

  private static HttpResponse<String> reload(MeshfedServer server) throws Exception {
    return TestServers.put(server, "/v1/agent/reload", "", null);
  }

  /** The certificate the server presents to a new handshake from {@code peer}. */
  private static X509Certificate handshake(int port, CertificateTool.Issued peer, List<CertificateTool.Issued> trusted,
      String alpn) throws Exception {
    try (SSLSocket socket = open(port, peer, trusted, alpn)) {
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private static SSLSocket open(int port, CertificateTool.Issued peer, List<CertificateTool.Issued> trusted,
      String alpn) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("peer", peer.privateKey(), NO_PASSWORD, new X509Certificate[] {peer.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, NO_PASSWORD);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < trusted.size(); i++) {
      trust.setCertificateEntry("ca" + i, trusted.get(i).certificate());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setServerNames(List.of(new SNIHostName(SNI)));
    parameters.setApplicationProtocols(new String[] {alpn});
    socket.setSSLParameters(parameters);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    // TLS 1.3: a refused client certificate shows only at the first read.
    socket.setSoTimeout(300);
    try {
      int read = socket.getInputStream().read();
      if (read < 0) {
        throw new IOException("the server closed the connection after the handshake");
      }
    } catch (SocketTimeoutException quiet) {
      // nothing to read and still open: accepted
    }
    return socket;
  }

  private static boolean stillOpen(SSLSocket socket) throws IOException {
    socket.setSoTimeout(300);
    InputStream in = socket.getInputStream();
    try {
      return in.read() >= 0;
    } catch (SocketTimeoutException quiet) {
      return true;
    }
  }
}
