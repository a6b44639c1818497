package io.meshfed.server.api.listener;

import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * TLS of a client API listener (HTTPS, gRPC over TLS): the server's key and certificate, the CA
 * that signs client certificates, and whether one is required.
 *
 * @param context the server's JDK context; asked for on every connection
 * @param requireClientCertificate {@code verify-incoming}: the handshake fails without a client
 *     certificate signed by the CA; off, the server asks for none
 * @param alpn the protocols offered by ALPN (RFC 7301): {@code http/1.1} or {@code h2}; a client
 *     that offers only others is refused with {@code no_application_protocol} (RFC 7301 §3.2)
 * @param plaintextRefusal the one line a client that speaks plain-text HTTP to this port is told
 */
public record ApiTls(Supplier<SSLContext> context, boolean requireClientCertificate, List<String> alpn,
    String plaintextRefusal) {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  public ApiTls {
    alpn = List.copyOf(alpn);
  }

  SSLEngine newEngine() {
    // Asked for per connection, so a reloaded certificate applies to the next handshake.
    SSLEngine engine = context.get().createSSLEngine();
    engine.setUseClientMode(false);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(PROTOCOLS);
    parameters.setNeedClientAuth(requireClientCertificate);
    parameters.setApplicationProtocols(alpn.toArray(String[]::new));
    engine.setSSLParameters(parameters);
    return engine;
  }
}
