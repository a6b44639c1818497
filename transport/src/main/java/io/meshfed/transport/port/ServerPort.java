package io.meshfed.transport.port;

import io.meshfed.transport.limit.ConnectionLimit;
import io.meshfed.transport.logging.Causes;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running server port. Refusals are counted in {@link #stats()} and logged at WARN under this
 * class's logger, {@code server port: refused <address>: <reason>}: the first few of each reason
 * one line each, then one line a minute with the number left out ({@code RateLimitedLog}).
 */
public final class ServerPort implements AutoCloseable {
  /** Every thread the port starts carries this prefix, so a leak is visible by name. */
  public static final String THREAD_NAME_PREFIX = "meshfed-server-port-";

  /** Upper bound for an event loop to finish its tasks once every channel is closed. */
  private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private final Channel listener;
  private final ChannelGroup connections;
  private final ServerPortStats stats;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ServerPort(EventLoopGroup acceptor, EventLoopGroup workers, Channel listener,
      ChannelGroup connections, ServerPortStats stats) {
    this.acceptor = acceptor;
    this.workers = workers;
    this.listener = listener;
    this.connections = connections;
    this.stats = stats;
  }

  /** Binds and starts accepting; fails if the address cannot be bound. */
  public static ServerPort start(ServerPortSettings settings) throws IOException {
    EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(
        1, new DefaultThreadFactory(THREAD_NAME_PREFIX + "accept"), NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(
        0, new DefaultThreadFactory(THREAD_NAME_PREFIX + "io"), NioIoHandler.newFactory());
    ConnectionLimit limit = new ConnectionLimit(settings.maxConnections());
    ServerPortStats stats = new ServerPortStats(limit::open);
    // Notifications run on whichever thread completes them; the port needs no executor of its own.
    ChannelGroup connections = new DefaultChannelGroup("server-port", ImmediateEventExecutor.INSTANCE);
    ChannelFuture bound = new ServerBootstrap()
        .group(acceptor, workers)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ServerPortInitializer(settings, stats, limit, connections))
        .bind(settings.host(), settings.port())
        .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      shutDown(acceptor, workers);
      throw new IOException("server port: cannot bind " + settings.host() + ":" + settings.port()
          + ": " + Causes.describe(bound.cause()), bound.cause());
    }
    return new ServerPort(acceptor, workers, bound.channel(), connections, stats);
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) listener.localAddress();
  }

  public ServerPortStats stats() {
    return stats;
  }

  /**
   * Stops listening, closes every accepted connection and waits for the port's threads to finish.
   * Must not be called from one of those threads.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listener.close().awaitUninterruptibly();
    connections.close().awaitUninterruptibly();
    shutDown(acceptor, workers);
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
