package io.meshfed.bench;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * The TLS of both ends, shaped like a meshfed server-to-server dial through a gateway (the
 * settings of {@link TlsContexts#serverPort} and {@link TlsContexts#client}): BoringSSL, mutual TLS
 * with a CA of our own, ALPN {@code meshfed/rpc}, host name verification of the SNI name. Two
 * differences, both so that the client and server leave the CPU to the hop being measured: only
 * TLS 1.3, with no session resumption on either side (every connection is a full handshake), and
 * peer chains verified by a {@link RememberingTrustManager}.
 */
final class BenchTls {
  static final String ALPN = WireConstants.ALPN_RPC;
  private static final String TLS_1_3 = "TLSv1.3";

  private BenchTls() {}

  /** Files as written by {@code meshfed-bench certs}. */
  record Files(Path ca, Path cert, Path key) {
    TlsMaterial load() {
      return TlsMaterial.load(ca, cert, key);
    }
  }

  static SslContext server(TlsMaterial material) throws SSLException {
    return withoutResumption(SslContextBuilder.forServer(material.privateKey(), chain(material))
        .clientAuth(ClientAuth.REQUIRE), material);
  }

  static SslContext client(TlsMaterial material) throws SSLException {
    return withoutResumption(SslContextBuilder.forClient()
        .keyManager(material.privateKey(), chain(material))
        .endpointIdentificationAlgorithm("HTTPS"), material);
  }

  /**
   * The figures are meant for BoringSSL, which meshfed uses; the JDK fallback would measure
   * something else, so it is refused.
   */
  private static SslContext withoutResumption(SslContextBuilder builder, TlsMaterial material) throws SSLException {
    if (TlsContexts.provider() != SslProvider.OPENSSL) {
      throw new IllegalStateException("BoringSSL (netty-tcnative) is not available: " + OpenSsl.unavailabilityCause());
    }
    SslContext context = builder
        .sslProvider(SslProvider.OPENSSL)
        .trustManager(RememberingTrustManager.trusting(material.caCertificates()))
        .protocols(TLS_1_3)
        .applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN, SelectorFailureBehavior.NO_ADVERTISE,
            SelectedListenerFailureBehavior.ACCEPT, ALPN))
        .build();
    ((OpenSslSessionContext) context.sessionContext()).setSessionCacheEnabled(false);
    return context;
  }

  private static X509Certificate[] chain(TlsMaterial material) {
    return material.certificateChain().toArray(X509Certificate[]::new);
  }
}
