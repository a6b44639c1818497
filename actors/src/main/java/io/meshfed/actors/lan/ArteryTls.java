package io.meshfed.actors.lan;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import scala.Option;

/**
 * TLS for the LAN cluster (Artery {@code tls-tcp}) with the server's own certificate and CA: both
 * sides present certificates, and a peer is accepted only if its certificate names a server of this
 * DC ({@code server.<dc>.<domain>}), so a client certificate from the same CA cannot join.
 */
public final class ArteryTls implements SSLEngineProvider {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  /** Subject alternative name type "dNSName" (RFC 5280 §4.2.1.6). */
  private static final int DNS_NAME = 2;

  private final Supplier<SSLContext> context;
  private final String requiredName;

  /** @param context asked for on every new connection, so a replaced one applies to the next handshake */
  public ArteryTls(Supplier<SSLContext> context, String requiredName) {
    this.context = context;
    this.requiredName = requiredName;
  }

  @Override
  public SSLEngine createServerSSLEngine(String hostname, int port) {
    SSLEngine engine = context.get().createSSLEngine();
    engine.setUseClientMode(false);
    engine.setNeedClientAuth(true);
    engine.setEnabledProtocols(PROTOCOLS);
    return engine;
  }

  @Override
  public SSLEngine createClientSSLEngine(String hostname, int port) {
    SSLEngine engine = context.get().createSSLEngine(hostname, port);
    engine.setUseClientMode(true);
    engine.setEnabledProtocols(PROTOCOLS);
    return engine;
  }

  @Override
  public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
    return verify(session);
  }

  @Override
  public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
    return verify(session);
  }

  private Option<Throwable> verify(SSLSession session) {
    try {
      X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
      Collection<List<?>> names = peer.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          if (((Integer) name.get(0)) == DNS_NAME && requiredName.equalsIgnoreCase((String) name.get(1))) {
            return Option.empty();
          }
        }
      }
      return Option.apply(new SSLPeerUnverifiedException(
          "LAN peer " + peer.getSubjectX500Principal() + " is not a server of this DC (no SAN " + requiredName + ")"));
    } catch (SSLPeerUnverifiedException | CertificateParsingException | ClassCastException e) {
      return Option.apply(e);
    }
  }
}
