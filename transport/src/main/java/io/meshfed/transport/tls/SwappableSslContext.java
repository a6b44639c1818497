package io.meshfed.transport.tls;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A JDK {@link SSLContext} for clients that take one context for their whole life (the gRPC client
 * of a gateway's local server) while its files may be replaced: every new engine or socket comes
 * from the context in force at that moment, so new handshakes use the new material at once, and a
 * connection made before a {@link #swap} keeps the session it negotiated. Sessions are not resumed
 * across a swap: each context keeps its own session cache.
 */
public final class SwappableSslContext extends SSLContext {
  private final AtomicReference<SSLContext> current;

  private SwappableSslContext(AtomicReference<SSLContext> current) {
    super(new Delegating(current), current.get().getProvider(), current.get().getProtocol());
    this.current = current;
  }

  public static SwappableSslContext of(SSLContext initial) {
    return new SwappableSslContext(new AtomicReference<>(Objects.requireNonNull(initial)));
  }

  /** Puts {@code next} in force for every handshake that starts from now on. */
  public void swap(SSLContext next) {
    current.set(Objects.requireNonNull(next));
  }

  private static final class Delegating extends SSLContextSpi {
    private final AtomicReference<SSLContext> current;

    Delegating(AtomicReference<SSLContext> current) {
      this.current = current;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
      throw new KeyManagementException("a swappable TLS context is built from initialised contexts; swap one in");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return current.get().getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return current.get().getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return current.get().createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return current.get().createSSLEngine(host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return current.get().getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return current.get().getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return current.get().getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return current.get().getSupportedSSLParameters();
    }
  }
}
