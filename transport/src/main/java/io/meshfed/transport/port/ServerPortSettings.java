package io.meshfed.transport.port;

import static io.meshfed.protocol.names.WireConstants.TYPE_HIGHEST;
import static io.meshfed.protocol.names.WireConstants.TYPE_RPC;

import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How a {@link ServerPort} listens and what it serves.
 *
 * <p>With an {@code sslContext} the port speaks only TLS and dispatches on ALPN ids; without one it
 * speaks only the plaintext type-byte protocols (dev mode, same DC). The two maps are therefore
 * exclusive: a handler registered where it could never be reached is a configuration error.
 *
 * @param port 0 picks a free port
 * @param sslContext the server context of each new connection (it may change while the port runs:
 *     {@code TlsSource}); the port requires client certificates whatever it says
 * @param applicationProtocols handlers by ALPN id (RFC 7301); TLS only
 * @param plaintextProtocols handlers by type byte ({@code TYPE_RPC..TYPE_HIGHEST}); no TLS only
 * @param handshakeTimeout bounds the first byte and the TLS handshake together
 * @param maxConnections connections open at once, handshaking or dispatched; more are closed at accept
 */
public record ServerPortSettings(
    String host,
    int port,
    Optional<Supplier<SslContext>> sslContext,
    Map<String, ProtocolHandler> applicationProtocols,
    Map<Byte, ProtocolHandler> plaintextProtocols,
    Duration handshakeTimeout,
    int maxConnections) {

  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
  /**
   * A server holds a few pooled connections per peer server of every DC plus the gateways' and
   * probes' dials; thousands leave room for that and stay far below the default descriptor limits.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 4096;

  public ServerPortSettings {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 0xffff) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    Objects.requireNonNull(sslContext, "sslContext");
    applicationProtocols = Map.copyOf(applicationProtocols);
    plaintextProtocols = Map.copyOf(plaintextProtocols);
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
      throw new IllegalArgumentException("handshake timeout must be positive: " + handshakeTimeout);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("max connections must be at least 1: " + maxConnections);
    }
    if (sslContext.isPresent() && !sslContext.get().get().isServer()) {
      throw new IllegalArgumentException("the server port needs a server-side SslContext");
    }
    if (sslContext.isPresent() && !plaintextProtocols.isEmpty()) {
      throw new IllegalArgumentException(
          "plaintext protocols " + plaintextProtocols.keySet() + " can never be served: TLS is configured");
    }
    if (sslContext.isEmpty() && !applicationProtocols.isEmpty()) {
      throw new IllegalArgumentException(
          "ALPN protocols " + applicationProtocols.keySet() + " can never be served: TLS is not configured");
    }
    for (String id : applicationProtocols.keySet()) {
      int length = id.getBytes(StandardCharsets.UTF_8).length;
      // RFC 7301 §3.1: ProtocolName is opaque<1..2^8-1>.
      if (length < 1 || length > 255) {
        throw new IllegalArgumentException("ALPN id must be 1 to 255 bytes: '" + id + "'");
      }
    }
    for (byte type : plaintextProtocols.keySet()) {
      if (type < TYPE_RPC || type > TYPE_HIGHEST) {
        throw new IllegalArgumentException(String.format(
            "plaintext type byte 0x%02x is outside 0x%02x..0x%02x", type, TYPE_RPC, TYPE_HIGHEST));
      }
    }
  }

  public static Builder builder(String host, int port) {
    return new Builder(host, port);
  }

  /** Collects the settings; {@link #build()} validates them. */
  public static final class Builder {
    private final String host;
    private final int port;
    private Supplier<SslContext> sslContext;
    private final Map<String, ProtocolHandler> applicationProtocols = new LinkedHashMap<>();
    private final Map<Byte, ProtocolHandler> plaintextProtocols = new LinkedHashMap<>();
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;

    private Builder(String host, int port) {
      this.host = host;
      this.port = port;
    }

    public Builder tls(SslContext serverContext) {
      Objects.requireNonNull(serverContext, "serverContext");
      return tls(() -> serverContext);
    }

    /** The context is asked for on every new connection, so a replaced one applies to the next handshake. */
    public Builder tls(Supplier<SslContext> serverContext) {
      this.sslContext = Objects.requireNonNull(serverContext, "serverContext");
      return this;
    }

    public Builder applicationProtocol(String alpnId, ProtocolHandler handler) {
      applicationProtocols.put(alpnId, Objects.requireNonNull(handler, "handler"));
      return this;
    }

    public Builder plaintextProtocol(byte type, ProtocolHandler handler) {
      plaintextProtocols.put(type, Objects.requireNonNull(handler, "handler"));
      return this;
    }

    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = timeout;
      return this;
    }

    public Builder maxConnections(int max) {
      this.maxConnections = max;
      return this;
    }

    public ServerPortSettings build() {
      return new ServerPortSettings(host, port, Optional.ofNullable(sslContext),
          applicationProtocols, plaintextProtocols, handshakeTimeout, maxConnections);
    }
  }
}
