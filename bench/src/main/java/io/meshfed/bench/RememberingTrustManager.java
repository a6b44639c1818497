package io.meshfed.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's PKIX trust manager for one CA, which remembers what it accepted: a chain is verified in
 * full (signatures, validity, key usage, and on the client the host name) the first time, and the
 * same chain for the same peer name is accepted again without repeating that.
 *
 * <p>Why: on a 2-core machine the JDK's pure-Java ECDSA and path validation, and the JIT compiling
 * it for seconds, took most of the CPU of the connection-rate test, and every cycle the client and
 * server burn is one the proxy under test does not get. The handshake itself (key exchange, both
 * CertificateVerify signatures, in BoringSSL) is still done in full on every connection.
 */
final class RememberingTrustManager extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager jdk;
  private final Set<Accepted> accepted = ConcurrentHashMap.newKeySet();

  /** A chain, byte for byte, with what it was accepted for. */
  private record Accepted(boolean asServer, String authType, String peerName, List<ByteBuffer> chain) {}

  private RememberingTrustManager(X509ExtendedTrustManager jdk) {
    this.jdk = jdk;
  }

  static RememberingTrustManager trusting(List<X509Certificate> cas) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager extended) {
          return new RememberingTrustManager(extended);
        }
      }
      throw new IllegalStateException("the JDK's PKIX factory made no X509ExtendedTrustManager");
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust manager for the bench CA: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    Accepted key = key(true, authType, engine.getPeerHost(), chain);
    if (!accepted.contains(key)) {
      jdk.checkServerTrusted(chain, authType, engine);
      accepted.add(key);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    Accepted key = key(false, authType, "", chain);
    if (!accepted.contains(key)) {
      jdk.checkClientTrusted(chain, authType, engine);
      accepted.add(key);
    }
  }

  // Netty's BoringSSL engine only calls the SSLEngine forms above; the rest is the JDK's, unremembered.

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    jdk.checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    jdk.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    jdk.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    jdk.checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return jdk.getAcceptedIssuers();
  }

  private static Accepted key(boolean asServer, String authType, String peerName, X509Certificate[] chain)
      throws CertificateException {
    List<ByteBuffer> encoded = new ArrayList<>(chain.length);
    for (X509Certificate certificate : chain) {
      encoded.add(ByteBuffer.wrap(certificate.getEncoded()));
    }
    return new Accepted(asServer, authType, peerName == null ? "" : peerName, encoded);
  }
}
