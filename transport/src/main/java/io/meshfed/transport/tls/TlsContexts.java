package io.meshfed.transport.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS contexts built from one {@link TlsMaterial}: Netty contexts for the server port and for
 * dialing it (BoringSSL when its native library loads, the JDK otherwise), and a JDK
 * {@link SSLContext} for the HTTP and gRPC APIs, which cannot use a BoringSSL engine (toolchain
 * pitfall 5).
 */
public final class TlsContexts {
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);
  private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();
  /** The whole chain and key live only in memory, so the store password protects nothing. */
  private static final char[] NO_PASSWORD = new char[0];

  private TlsContexts() {}

  /** BoringSSL when netty-tcnative loads on this platform, else the JDK (logged once). */
  public static SslProvider provider() {
    if (OpenSsl.isAvailable()) {
      return SslProvider.OPENSSL;
    }
    if (FALLBACK_LOGGED.compareAndSet(false, true)) {
      LOG.info("BoringSSL is not available ({}); using the JDK's TLS", OpenSsl.unavailabilityCause().toString());
    }
    return SslProvider.JDK;
  }

  /**
   * The server port's context. Client certificates are always required, whatever
   * {@code verify-incoming} says, because mesh gateways expose this port to other DCs (Consul's
   * IncomingALPNRPCConfig does the same). Only the CA of {@code material} is trusted, and a refused
   * certificate gets the alert RFC 8446 §6.2 names for its fault ({@link AlertingTrustManager}).
   */
  public static SslContext serverPort(TlsMaterial material, List<String> alpnIds) throws SSLException {
    SslProvider provider = provider();
    return SslContextBuilder.forServer(material.privateKey(), chain(material))
        .sslProvider(provider)
        .trustManager(trustManager(material, provider))
        .clientAuth(ClientAuth.REQUIRE)
        .protocols(PROTOCOLS)
        .applicationProtocolConfig(alpn(alpnIds))
        .build();
  }

  /**
   * A context for dialing a server port with protocol {@code alpnId}, presenting the certificate. A
   * server certificate it refuses gets the alert RFC 8446 §6.2 names, as on the server port.
   */
  public static SslContext client(TlsMaterial material, String alpnId) throws SSLException {
    SslProvider provider = provider();
    return SslContextBuilder.forClient()
        .sslProvider(provider)
        .keyManager(material.privateKey(), chain(material))
        .trustManager(trustManager(material, provider))
        .endpointIdentificationAlgorithm("HTTPS")
        .protocols(PROTOCOLS)
        .applicationProtocolConfig(alpn(List.of(alpnId)))
        .build();
  }

  /**
   * A client handler that sends {@code serverName} as SNI and verifies the server certificate
   * against it, not against the address dialed: through a gateway the address is the gateway's,
   * and only the name says which server must answer.
   */
  public static SslHandler clientHandler(SslContext context, ByteBufAllocator alloc, String serverName, int port) {
    SslHandler handler = context.newHandler(alloc, serverName, port);
    // Set here as well as in client(): a context built elsewhere must not skip the name check.
    SSLEngine engine = handler.engine();
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(parameters);
    return handler;
  }

  /** A JDK context with the same key, chain and trusted CA, for servers and clients alike. */
  public static SSLContext jdkSslContext(TlsMaterial material) {
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("meshfed", material.privateKey(), NO_PASSWORD, chain(material));
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(keys, NO_PASSWORD);

      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(),
          new TrustManager[] {AlertingTrustManager.pkix(material.caCertificates())}, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a JDK TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * A JDK client context for a server's client APIs (HTTPS, gRPC over TLS): it trusts the CA
   * certificates of {@code caFile} (the JDK's default trust store without one) and presents the
   * certificate of {@code certFile} with {@code keyFile}, when given, for {@code verify-incoming}.
   *
   * @throws PemFiles.TlsFileException a file that cannot be read, or a key that does not belong to
   *     the certificate, with a message that names the option
   */
  public static SSLContext apiClient(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile) {
    return apiClient(ClientFiles.read(caFile, certFile, keyFile));
  }

  /**
   * The client TLS files, each read once, so that what is checked is what is put in force.
   *
   * @param cas empty: the JDK's trusted CAs
   * @param chain empty: no client certificate
   */
  public record ClientFiles(List<X509Certificate> cas, List<X509Certificate> chain, Optional<PrivateKey> key) {
    /** @throws PemFiles.TlsFileException a file that cannot be used, in one line that names its option */
    public static ClientFiles read(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile) {
      if (certFile.isPresent() != keyFile.isPresent()) {
        throw new PemFiles.TlsFileException("give --client-cert and --client-key together");
      }
      List<X509Certificate> cas = caFile.map(f -> PemFiles.readCertificates("--ca-file", f)).orElse(List.of());
      List<X509Certificate> chain = certFile.map(f -> PemFiles.readCertificates("--client-cert", f)).orElse(List.of());
      Optional<PrivateKey> key = keyFile.map(f -> PemFiles.readPrivateKey("--client-key", f));
      if (key.isPresent() && !PemFiles.matches(key.get(), chain.get(0).getPublicKey())) {
        throw new PemFiles.TlsFileException("--client-key " + keyFile.get() + " is not the key of --client-cert "
            + certFile.get());
      }
      return new ClientFiles(cas, chain, key);
    }
  }

  /** A client context from files already read. */
  public static SSLContext apiClient(ClientFiles files) {
    try {
      TrustManager[] trust = files.cas().isEmpty() ? null
          : new TrustManager[] {AlertingTrustManager.pkix(files.cas())};
      KeyManagerFactory keyManagers = null;
      if (files.key().isPresent()) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", files.key().get(), NO_PASSWORD, files.chain().toArray(X509Certificate[]::new));
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, NO_PASSWORD);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trust, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a JDK TLS context: " + e.getMessage(), e);
    }
  }

  private static TrustManager trustManager(TlsMaterial material, SslProvider provider) {
    return new AlertingTrustManager(material.caCertificates(), provider == SslProvider.OPENSSL);
  }

  private static X509Certificate[] chain(TlsMaterial material) {
    return material.certificateChain().toArray(X509Certificate[]::new);
  }

  /**
   * BoringSSL's server cannot fail the handshake on an unknown ALPN id (netty's OpenSSL provider
   * rejects FATAL_ALERT for both behaviours): it completes without a protocol. The server port
   * therefore refuses such a ClientHello itself, with the alert RFC 7301 §3.2 names, before the
   * engine sees it; other users must close connections where {@code applicationProtocol()} is null.
   */
  private static ApplicationProtocolConfig alpn(List<String> ids) {
    return new ApplicationProtocolConfig(Protocol.ALPN, SelectorFailureBehavior.NO_ADVERTISE,
        SelectedListenerFailureBehavior.ACCEPT, ids);
  }
}
