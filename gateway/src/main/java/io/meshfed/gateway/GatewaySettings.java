package io.meshfed.gateway;

import io.meshfed.gateway.route.RouteTable;
import io.netty.channel.epoll.Epoll;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link MeshGateway} listens and the limits it applies. Build with {@link #builder}; invalid
 * values fail with an IllegalArgumentException whose message is one line naming the setting.
 *
 * @param listen where clients connect; port 0 picks a free port
 * @param admin where GET /metrics and GET /health are served; none when empty
 * @param adminMaxConnections admin connections open at once; more are closed at accept
 * @param adminRequestTimeout time a new admin connection has to send a complete request
 * @param adminIdleTimeout time a kept-alive admin connection has to send its next complete request
 * @param maxClientHelloBytes bound on the ClientHello, record headers included
 * @param clientHelloTimeout time a client has to send its whole ClientHello
 * @param connectTimeout time one TCP connect to an upstream may take
 * @param connectAttempts endpoints tried for one client before giving up (at most one try each)
 * @param ejectAfterFailures consecutive failed connects that eject an endpoint
 * @param ejectionTime how long an ejected endpoint is passed over
 * @param idleTimeout a spliced connection with no byte either way for this long is closed
 * @param maxConnectionsPerRoute open connections per route beyond which new ones are refused
 * @param maxConnections client connections open at once, all routes and those not yet routed;
 *     more are closed at accept
 * @param ioThreads event loop threads; 0 for Netty's default (twice the processors)
 * @param transport the event loops' transport: epoll where it loads (auto), or as asked
 * @param drainTimeout how long {@link MeshGateway#drain} keeps serving while client connections are
 *     open; zero stops at once
 * @param initialRoutes the table served from the first connection on
 */
public record GatewaySettings(
    InetSocketAddress listen,
    Optional<InetSocketAddress> admin,
    int adminMaxConnections,
    Duration adminRequestTimeout,
    Duration adminIdleTimeout,
    int maxClientHelloBytes,
    Duration clientHelloTimeout,
    Duration connectTimeout,
    int connectAttempts,
    int ejectAfterFailures,
    Duration ejectionTime,
    Duration idleTimeout,
    int maxConnectionsPerRoute,
    int maxConnections,
    int ioThreads,
    GatewayTransport transport,
    Duration drainTimeout,
    RouteTable initialRoutes) {

  public static final int DEFAULT_MAX_CLIENT_HELLO_BYTES = 16 * 1024;
  public static final Duration DEFAULT_CLIENT_HELLO_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_CONNECT_ATTEMPTS = 3;
  public static final int DEFAULT_EJECT_AFTER_FAILURES = 3;
  public static final Duration DEFAULT_EJECTION_TIME = Duration.ofSeconds(30);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ROUTE = 10_000;
  /**
   * Each spliced connection holds two descriptors (client and upstream): 40,000 at the cap, within
   * the common limit of 65,536 open files.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 20_000;
  /** Scrapers and health checks: a handful of clients, each with a connection or two. */
  public static final int DEFAULT_ADMIN_MAX_CONNECTIONS = 64;
  public static final Duration DEFAULT_ADMIN_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Longer than the usual scrape interval (15 to 30 s), so a scraper's connection is reused. */
  public static final Duration DEFAULT_ADMIN_IDLE_TIMEOUT = Duration.ofSeconds(60);
  /**
   * Longer than the 20 s after which servers' pools leave a connection (ConnectionAge), so their
   * connections through a stopping gateway end on their own first.
   */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  /** Smallest bound that can hold a ClientHello: one record header, one handshake header, a little body. */
  static final int MIN_CLIENT_HELLO_BYTES = 64;
  /** RFC 8446 §4 allows 2^24-byte handshake messages; buffering that much per client is an attack surface. */
  static final int MAX_CLIENT_HELLO_BYTES = 1 << 20;

  public GatewaySettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(initialRoutes, "initialRoutes");
    if (listen.isUnresolved()) {
      throw new IllegalArgumentException("gateway listen address " + listen + " does not resolve");
    }
    if (admin.isPresent() && admin.get().isUnresolved()) {
      throw new IllegalArgumentException("gateway admin address " + admin.get() + " does not resolve");
    }
    if (maxClientHelloBytes < MIN_CLIENT_HELLO_BYTES || maxClientHelloBytes > MAX_CLIENT_HELLO_BYTES) {
      throw new IllegalArgumentException("gateway max-client-hello-bytes must be " + MIN_CLIENT_HELLO_BYTES + ".."
          + MAX_CLIENT_HELLO_BYTES + ", got " + maxClientHelloBytes);
    }
    requirePositive("client-hello-timeout", clientHelloTimeout);
    requirePositive("connect-timeout", connectTimeout);
    requirePositive("ejection-time", ejectionTime);
    requirePositive("idle-timeout", idleTimeout);
    requirePositive("admin-request-timeout", adminRequestTimeout);
    requirePositive("admin-idle-timeout", adminIdleTimeout);
    if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("gateway connect-timeout is too long: " + connectTimeout);
    }
    requireAtLeastOne("connect-attempts", connectAttempts);
    requireAtLeastOne("eject-after-failures", ejectAfterFailures);
    requireAtLeastOne("max-connections-per-route", maxConnectionsPerRoute);
    requireAtLeastOne("max-connections", maxConnections);
    requireAtLeastOne("admin-max-connections", adminMaxConnections);
    Objects.requireNonNull(transport, "transport");
    if (transport == GatewayTransport.EPOLL && !Epoll.isAvailable()) {
      throw new IllegalArgumentException("gateway transport epoll is not available here ("
          + Epoll.unavailabilityCause() + "); use auto or nio");
    }
    Objects.requireNonNull(drainTimeout, "drain-timeout");
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("gateway drain-timeout must be 0 or more, got " + drainTimeout);
    }
    if (ioThreads < 0) {
      throw new IllegalArgumentException("gateway io-threads must be 0 (default) or more, got " + ioThreads);
    }
  }

  public static Builder builder(String listenHost, int listenPort) {
    return new Builder(address("listen", listenHost, listenPort));
  }

  private static void requirePositive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("gateway " + name + " must be at least 1 ms, got " + value);
    }
  }

  private static void requireAtLeastOne(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("gateway " + name + " must be at least 1, got " + value);
    }
  }

  private static InetSocketAddress address(String name, String host, int port) {
    if (port < 0 || port > 0xffff) {
      throw new IllegalArgumentException("gateway " + name + " port must be 0..65535, got " + port);
    }
    return new InetSocketAddress(Objects.requireNonNull(host, name + " host"), port);
  }

  /** Defaults as in the DEFAULT_ constants, no admin port, the empty routing table. */
  public static final class Builder {
    private final InetSocketAddress listen;
    private InetSocketAddress admin;
    private int adminMaxConnections = DEFAULT_ADMIN_MAX_CONNECTIONS;
    private Duration adminRequestTimeout = DEFAULT_ADMIN_REQUEST_TIMEOUT;
    private Duration adminIdleTimeout = DEFAULT_ADMIN_IDLE_TIMEOUT;
    private int maxClientHelloBytes = DEFAULT_MAX_CLIENT_HELLO_BYTES;
    private Duration clientHelloTimeout = DEFAULT_CLIENT_HELLO_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private int connectAttempts = DEFAULT_CONNECT_ATTEMPTS;
    private int ejectAfterFailures = DEFAULT_EJECT_AFTER_FAILURES;
    private Duration ejectionTime = DEFAULT_EJECTION_TIME;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private int maxConnectionsPerRoute = DEFAULT_MAX_CONNECTIONS_PER_ROUTE;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int ioThreads;
    private GatewayTransport transport = GatewayTransport.AUTO;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private RouteTable initialRoutes = RouteTable.EMPTY;

    private Builder(InetSocketAddress listen) {
      this.listen = listen;
    }

    public Builder admin(String host, int port) {
      this.admin = address("admin", host, port);
      return this;
    }

    public Builder adminMaxConnections(int max) {
      this.adminMaxConnections = max;
      return this;
    }

    public Builder adminRequestTimeout(Duration timeout) {
      this.adminRequestTimeout = timeout;
      return this;
    }

    public Builder adminIdleTimeout(Duration timeout) {
      this.adminIdleTimeout = timeout;
      return this;
    }

    public Builder maxClientHelloBytes(int bytes) {
      this.maxClientHelloBytes = bytes;
      return this;
    }

    public Builder clientHelloTimeout(Duration timeout) {
      this.clientHelloTimeout = timeout;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    public Builder connectAttempts(int attempts) {
      this.connectAttempts = attempts;
      return this;
    }

    public Builder ejectAfterFailures(int failures) {
      this.ejectAfterFailures = failures;
      return this;
    }

    public Builder ejectionTime(Duration time) {
      this.ejectionTime = time;
      return this;
    }

    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = timeout;
      return this;
    }

    public Builder maxConnectionsPerRoute(int max) {
      this.maxConnectionsPerRoute = max;
      return this;
    }

    public Builder maxConnections(int max) {
      this.maxConnections = max;
      return this;
    }

    public Builder ioThreads(int threads) {
      this.ioThreads = threads;
      return this;
    }

    public Builder transport(GatewayTransport transport) {
      this.transport = transport;
      return this;
    }

    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = timeout;
      return this;
    }

    public Builder initialRoutes(RouteTable table) {
      this.initialRoutes = table;
      return this;
    }

    public GatewaySettings build() {
      return new GatewaySettings(listen, Optional.ofNullable(admin), adminMaxConnections, adminRequestTimeout,
          adminIdleTimeout, maxClientHelloBytes, clientHelloTimeout, connectTimeout, connectAttempts,
          ejectAfterFailures, ejectionTime, idleTimeout, maxConnectionsPerRoute, maxConnections, ioThreads,
          transport, drainTimeout, initialRoutes);
    }
  }
}
