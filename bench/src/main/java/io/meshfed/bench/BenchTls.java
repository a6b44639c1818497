package io.meshfed.bench;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The TLS of both ends: meshfed's own contexts (BoringSSL, mutual TLS, ALPN {@code meshfed/rpc}),
 * so a benchmark handshake costs what a server-to-server dial through a gateway costs. Session
 * caching is off on both sides: every connection of the connection-rate test is a full handshake,
 * whatever the hop in between.
 */
final class BenchTls {
  static final String ALPN = WireConstants.ALPN_RPC;
  static final String TLS_1_3 = "TLSv1.3";

  private BenchTls() {}

  /** Files as written by {@code meshfed-bench certs}. */
  record Files(Path ca, Path cert, Path key) {
    TlsMaterial load() {
      return TlsMaterial.load(ca, cert, key);
    }
  }

  static SslContext server(TlsMaterial material) throws SSLException {
    return withoutResumption(TlsContexts.serverPort(material, List.of(ALPN)));
  }

  static SslContext client(TlsMaterial material) throws SSLException {
    return withoutResumption(TlsContexts.client(material, ALPN));
  }

  /**
   * The figures are meant for BoringSSL, which meshfed uses; a JDK fallback would measure something
   * else (and resumes sessions in ways this class does not turn off), so it is refused.
   */
  private static SslContext withoutResumption(SslContext context) {
    if (!(context.sessionContext() instanceof OpenSslSessionContext sessions)) {
      throw new IllegalStateException("BoringSSL (netty-tcnative) is not available: "
          + OpenSsl.unavailabilityCause());
    }
    sessions.setSessionCacheEnabled(false);
    return context;
  }
}
