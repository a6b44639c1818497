package io.meshfed.gateway;

import io.meshfed.gateway.admin.AdminInitializer;
import io.meshfed.gateway.metrics.GatewayMetrics;
import io.meshfed.gateway.route.Route;
import io.meshfed.gateway.route.RouteTable;
import io.meshfed.gateway.route.RoutingTableHolder;
import io.meshfed.gateway.splice.SpliceConfig;
import io.meshfed.gateway.upstream.UpstreamSelector;
import io.meshfed.transport.limit.ConnectionLimit;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh gateway: reads the SNI name of each TLS connection without terminating TLS,
 * routes by it, and splices bytes both ways. Feed it routing tables with {@link #updateRoutes}.
 *
 * <p>It runs on epoll where that loads, else on NIO ({@link GatewaySettings#transport()}); on epoll
 * through {@link EpollKeepRegistered}, without which Netty 4.2.18 loses the tail of half-closed
 * splices.
 */
public final class MeshGateway implements AutoCloseable {
  /** Every thread the gateway starts carries this prefix, so a leak is visible by name. */
  public static final String THREAD_NAME_PREFIX = "meshfed-gateway-";

  private static final Logger LOG = LoggerFactory.getLogger(MeshGateway.class);
  /** Upper bound for an event loop to finish its tasks once every channel is closed. */
  private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;
  /**
   * Per channel: above 256 KiB queued the other side stops reading, below 64 KiB it resumes. Enough
   * to keep a fast link busy between wake-ups; bounds a splice to about 2 × 256 KiB plus a read.
   */
  private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private final List<Channel> listeners;
  private final ChannelGroup channels;
  private final RoutingTableHolder routes;
  private final UpstreamSelector selector;
  private final GatewayMetrics metrics;
  private final DrainSignal drainSignal;
  private final Duration drainTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final String transport;

  private MeshGateway(String transport, EventLoopGroup acceptor, EventLoopGroup workers, List<Channel> listeners,
                      ChannelGroup channels, RoutingTableHolder routes, UpstreamSelector selector, GatewayMetrics metrics,
                      DrainSignal drainSignal, Duration drainTimeout) {
    this.transport = transport;
    this.acceptor = acceptor;
    this.workers = workers;
    this.listeners = listeners;
    this.channels = channels;
    this.routes = routes;
    this.selector = selector;
    this.metrics = metrics;
    this.drainSignal = drainSignal;
    this.drainTimeout = drainTimeout;
  }

  /** Binds the listen (and admin) address and starts serving {@code settings.initialRoutes()}. */
  public static MeshGateway start(GatewaySettings settings) throws IOException {
    return start(settings, GatewayTransport.resolve(settings.transport()));
  }

  /** With a transport of the caller's making: tests run Netty's own epoll loop through it. */
  static MeshGateway start(GatewaySettings settings, GatewayTransport.Resolved transport) throws IOException {
    EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(
        1, new DefaultThreadFactory(THREAD_NAME_PREFIX + "accept"), transport.ioHandlerFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(
        settings.ioThreads(), new DefaultThreadFactory(THREAD_NAME_PREFIX + "io"), transport.ioHandlerFactory());
    // Notifications run on whichever thread completes them; the group needs no executor of its own.
    ChannelGroup channels = new DefaultChannelGroup("meshfed-gateway", ImmediateEventExecutor.INSTANCE);
    RoutingTableHolder routes = new RoutingTableHolder(settings.initialRoutes());
    ConnectionLimit clients = new ConnectionLimit(settings.maxConnections());
    GatewayMetrics metrics = new GatewayMetrics(() -> routes.current().version(), clients::open);
    DrainSignal drainSignal = new DrainSignal(clients::open);
    UpstreamSelector selector = new UpstreamSelector(settings.ejectAfterFailures(), settings.ejectionTime(),
        Clock.systemUTC(), new Random(), ejected -> {
          metrics.countEjection();
          LOG.info("gateway: ejected endpoint {} for {} s after {} consecutive connect failures",
              ejected, settings.ejectionTime().toSeconds(), settings.ejectAfterFailures());
        });
    metrics.endpoints(() -> endpointHealth(routes.current(), selector));
    SpliceConfig config = new SpliceConfig(routes, metrics, selector, upstreamBootstrap(settings, transport),
        settings.connectAttempts(), settings.maxConnectionsPerRoute(), settings.idleTimeout(), channels);

    List<Channel> listeners = new ArrayList<>();
    try {
      listeners.add(bind("listen", settings.listen(), new ServerBootstrap()
          .group(acceptor, workers)
          .channel(transport.serverChannel())
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.SO_KEEPALIVE, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
          .childHandler(new ClientInitializer(config, clients, drainSignal, settings.maxClientHelloBytes(),
              settings.clientHelloTimeout()))));
      if (settings.admin().isPresent()) {
        // Scrapes are rare and small: the accepting thread serves them, off the relaying loops.
        listeners.add(bind("admin", settings.admin().get(), new ServerBootstrap()
            .group(acceptor)
            .channel(transport.serverChannel())
            .childHandler(new AdminInitializer(metrics, channels, new ConnectionLimit(settings.adminMaxConnections()),
                settings.adminRequestTimeout(), settings.adminIdleTimeout()))));
      }
    } catch (IOException e) {
      listeners.forEach(listener -> listener.close().awaitUninterruptibly());
      shutDown(acceptor, workers);
      throw e;
    }
    MeshGateway gateway = new MeshGateway(transport.name(), acceptor, workers, List.copyOf(listeners), channels, routes, selector,
        metrics, drainSignal, settings.drainTimeout());
    LOG.info("gateway: listening on {} ({}), admin {}, route table version {}", gateway.listenAddress(),
        transport.name(), gateway.adminAddress().map(String::valueOf).orElse("off"),
        settings.initialRoutes().version());
    return gateway;
  }

  /** Each route's endpoints by state, read at scrape time (rare; never on the relaying path). */
  private static Map<String, GatewayMetrics.Endpoints> endpointHealth(RouteTable table,
      UpstreamSelector selector) {
    Map<String, GatewayMetrics.Endpoints> out = new HashMap<>();
    for (Route route : table.routes()) {
      int ejected = (int) route.endpoints().stream().filter(selector::isEjected).count();
      out.put(route.name(), new GatewayMetrics.Endpoints(route.endpoints().size() - ejected, ejected));
    }
    return out;
  }

  /** The bound client address (with the real port when 0 was asked for). */
  public InetSocketAddress listenAddress() {
    return (InetSocketAddress) listeners.get(0).localAddress();
  }

  /** {@code epoll} or {@code nio}: the transport in use. */
  public String transport() {
    return transport;
  }

  public Optional<InetSocketAddress> adminAddress() {
    return listeners.size() > 1 ? Optional.of((InetSocketAddress) listeners.get(1).localAddress()) : Optional.empty();
  }

  /**
   * Routes connections that arrive from now on by {@code table}; open connections keep their
   * upstream. Safe from any thread.
   */
  public void updateRoutes(RouteTable table) {
    RouteTable previous = routes.swap(table);
    selector.retain(table.endpoints());
    LOG.info("gateway: route table version {} replaces version {} ({} routes)",
        table.version(), previous.version(), table.routes().size());
  }

  public RouteTable routes() {
    return routes.current();
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** Client connections open now, routed or not: what the connection cap counts and a drain waits for. */
  public int openConnections() {
    return metrics.openConnections();
  }

  /**
   * Waits, still accepting and relaying, until no client connection is open or the drain timeout
   * ({@link GatewaySettings#drainTimeout()}) has passed; logs when it starts and how it ended. It
   * closes nothing: {@link #close} does. Meant for a gateway already taken out of the catalog, whose
   * clients move off it as they learn that and as their pooled connections reach their maximum age;
   * until then they may still open new connections here. A zero timeout returns at once, silently.
   *
   * @return true when the last connection closed in time
   */
  public boolean drain() {
    if (drainTimeout.isZero() || closed.get()) {
      return openConnections() == 0;
    }
    long start = System.nanoTime();
    LOG.info("gateway: draining: {} connections open, stopping when they close or in {} s", openConnections(),
        BigDecimal.valueOf(drainTimeout.toMillis(), 3).stripTrailingZeros().toPlainString());
    boolean drained;
    String end = "drain timeout";
    try {
      drained = drainSignal.awaitNoneOpen(drainTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drained = false;
      end = "drain interrupted";
    }
    if (drained) {
      LOG.info("gateway: drained in {} s", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
    } else {
      LOG.info("gateway: {}: closing {} connections", end, openConnections());
    }
    return drained;
  }

  /**
   * Stops accepting, closes every connection and waits for the gateway's threads to end. Must not be
   * called from one of those threads.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listeners.forEach(listener -> listener.close().awaitUninterruptibly());
    channels.close().awaitUninterruptibly();
    shutDown(acceptor, workers);
  }

  private static Bootstrap upstreamBootstrap(GatewaySettings settings, GatewayTransport.Resolved transport) {
    return new Bootstrap()
        .channel(transport.socketChannel())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        // Nothing is read before the splice is in place; then the relay turns reading on.
        .option(ChannelOption.AUTO_READ, false)
        .handler(NO_HANDLERS);
  }

  /** Bootstrap wants a handler; the relay is added only once the connect has succeeded. */
  private static final ChannelHandler NO_HANDLERS = new ChannelInitializer<>() {
    @Override
    protected void initChannel(Channel channel) {
      // The splice adds the relay.
    }
  };

  private static Channel bind(String what, InetSocketAddress address, ServerBootstrap bootstrap) throws IOException {
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new IOException("gateway: cannot bind the " + what + " address " + address.getHostString() + ":"
          + address.getPort() + ": " + bound.cause().getMessage(), bound.cause());
    }
    return bound.channel();
  }

  private static void shutDown(EventLoopGroup... groups) {
    // No quiet period: nothing submits work once the channels are closed.
    for (EventLoopGroup group : groups) {
      group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    for (EventLoopGroup group : groups) {
      group.terminationFuture().awaitUninterruptibly();
    }
  }
}
