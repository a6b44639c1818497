package io.meshfed.transport.tls;

import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * The JDK's PKIX check of a peer's chain against the CAs of the TLS material, with failures that
 * name the TLS alert the peer is sent.
 *
 * <p>Netty's BoringSSL engine turns a trust manager's exception into an X509_V_ERR code, and
 * BoringSSL turns the code into the alert. Netty can only guess the code from the JDK's exceptions,
 * and for a chain from an unknown CA its guess is X509_V_ERR_UNSPECIFIED, which goes out as
 * {@code internal_error}: the peer is told we broke, not that its CA is not ours. So the failure is
 * classified here and carried as an {@link OpenSslCertificateException} with the code whose alert
 * RFC 8446 §6.2 (RFC 5246 §7.2.2 for TLS 1.2) names for it:
 *
 * <ul>
 *   <li>{@code unknown_ca}: no certificate of the chain is, or is signed by, a trusted CA. A CA of
 *       another DC usually has the same name as ours, so the signature decides, not the issuer name.
 *   <li>{@code certificate_expired}: a certificate of the chain "has expired or is not currently
 *       valid", which covers one not valid yet.
 *   <li>{@code bad_certificate}: anything else the PKIX check refuses (a name that does not match
 *       the one dialed, a key usage that forbids the use).
 * </ul>
 *
 * <p>With the JDK's engine (BoringSSL unavailable) the exception carries no code and the JDK picks
 * the alert.
 */
final class AlertingTrustManager extends X509ExtendedTrustManager {
  /** An alert of RFC 8446 §6.2 and the X509_V_ERR code BoringSSL sends it for. */
  private enum Alert {
    UNKNOWN_CA("unknown_ca"),
    CERTIFICATE_EXPIRED("certificate_expired"),
    BAD_CERTIFICATE("bad_certificate");

    private final String name;

    Alert(String name) {
      this.name = name;
    }

    /** Read only where BoringSSL is loaded: the constants come from the native library. */
    int verifyError() {
      return switch (this) {
        case UNKNOWN_CA -> CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
        // Not X509_V_ERR_CERT_NOT_YET_VALID for a certificate not valid yet: OpenSSL, unlike
        // BoringSSL, sends bad_certificate for that code.
        case CERTIFICATE_EXPIRED -> CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
        case BAD_CERTIFICATE -> CertificateVerifier.X509_V_ERR_CERT_REJECTED;
      };
    }
  }

  private interface Check {
    void run() throws CertificateException;
  }

  /** A certificate of the chain that a trusted CA vouches for, and that CA. */
  private record Anchor(int index, X509Certificate ca) {}

  private final X509ExtendedTrustManager pkix;
  private final List<X509Certificate> cas;
  private final boolean withVerifyErrors;

  /** Trusts exactly {@code cas}; {@code withVerifyErrors} when the engine is BoringSSL's. */
  AlertingTrustManager(List<X509Certificate> cas, boolean withVerifyErrors) {
    this.pkix = pkix(cas);
    this.cas = List.copyOf(cas);
    this.withVerifyErrors = withVerifyErrors;
  }

  /** The JDK's PKIX trust manager for exactly {@code cas}. */
  static X509ExtendedTrustManager pkix(List<X509Certificate> cas) {
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        trusted.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager extended) {
          return extended;
        }
      }
      throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager");
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust manager for the CA: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check("client", chain, () -> pkix.checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check("server", chain, () -> pkix.checkServerTrusted(chain, authType, engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check("client", chain, () -> pkix.checkClientTrusted(chain, authType, socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check("server", chain, () -> pkix.checkServerTrusted(chain, authType, socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check("client", chain, () -> pkix.checkClientTrusted(chain, authType));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check("server", chain, () -> pkix.checkServerTrusted(chain, authType));
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }

  private void check(String peer, X509Certificate[] chain, Check pkixCheck) throws CertificateException {
    try {
      pkixCheck.run();
    } catch (CertificateException refused) {
      if (chain == null || chain.length == 0) {
        throw refused;
      }
      throw classify(peer, chain, refused);
    }
  }

  private CertificateException classify(String peer, X509Certificate[] chain, CertificateException refused) {
    String what = peer + " certificate " + chain[0].getSubjectX500Principal().getName();
    Anchor anchor = anchor(chain);
    if (anchor == null) {
      X500Principal issuer = chain[chain.length - 1].getIssuerX500Principal();
      boolean sameName = cas.stream().anyMatch(ca -> ca.getSubjectX500Principal().equals(issuer));
      return failure(Alert.UNKNOWN_CA, what + " is not issued by a trusted CA (issuer " + issuer.getName()
          + (sameName ? ", which has our CA's name but not its key: a CA created for another DC?)" : ")"), refused);
    }
    Instant now = Instant.now();
    for (int i = 0; i <= anchor.index() + 1; i++) {
      X509Certificate cert = i <= anchor.index() ? chain[i] : anchor.ca();
      String which = i == 0 ? what : what + ": its issuer " + cert.getSubjectX500Principal().getName();
      if (now.isBefore(cert.getNotBefore().toInstant())) {
        return failure(Alert.CERTIFICATE_EXPIRED, which + " is not valid before " + cert.getNotBefore().toInstant(),
            refused);
      }
      if (now.isAfter(cert.getNotAfter().toInstant())) {
        return failure(Alert.CERTIFICATE_EXPIRED, which + " expired on " + cert.getNotAfter().toInstant(), refused);
      }
    }
    return failure(Alert.BAD_CERTIFICATE, what + " is refused: " + refused.getMessage(), refused);
  }

  /** The first certificate of the chain that is a trusted CA or carries one's signature; null if none. */
  private Anchor anchor(X509Certificate[] chain) {
    for (int i = 0; i < chain.length; i++) {
      for (X509Certificate ca : cas) {
        if (chain[i].equals(ca) || signedBy(chain[i], ca)) {
          return new Anchor(i, ca);
        }
      }
    }
    return null;
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate ca) {
    if (!cert.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      return false;
    }
    try {
      cert.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private CertificateException failure(Alert alert, String message, CertificateException cause) {
    return withVerifyErrors
        ? new OpenSslCertificateException(message + " (alert " + alert.name + ")", cause, alert.verifyError())
        : new CertificateException(message, cause);
  }
}
