package io.meshfed.transport.gossip;

import io.meshfed.transport.limit.ConnectionAge;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The sending side of {@code meshfed/wan-gossip/packet}: each packet is one frame on
 * a pooled connection, one connection per WAN member name ({@code <node>.<dc>}).
 *
 * <p>Unlike Consul's pool of idle connections, each lent to one writer at a time, a member has a
 * single Netty channel shared by all senders: a channel orders writes, and each frame is one write
 * ({@link GossipFrameEncoder}), so frames never interleave. A write that fails closes the connection
 * and takes it out of the pool, so the next packet dials afresh; a connection idle for the idle timeout
 * is closed by its reaper. Like UDP, a frame the kernel accepted can still be lost with its connection.
 * A connection that reaches the maximum age is replaced by a fresh one for the next packet, dialed at
 * that packet's address, and closed once what was written on it has gone out ({@link ConnectionAge}).
 *
 * <p>The pool is keyed by name, not address: a member reached through a gateway keeps its connection
 * while it stays open, whatever address later sends pass.
 */
public final class GossipPackets implements AutoCloseable {
  /** Idle pooled connections close after this long (Consul's GossipPacketMaxIdleTime). */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(2);
  public static final Duration DEFAULT_MAX_CONNECTION_AGE = ConnectionAge.DEFAULT_MAX;
  public static final String THREAD_NAME_PREFIX = "meshfed-gossip-packets";

  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  private final GossipDialer dialer;
  private final Duration idleTimeout;
  private final Duration maxConnectionAge;
  private final EventLoopGroup group;
  private final GossipCounters counters = new GossipCounters();
  private final GossipProblems problems = new GossipProblems(counters);
  private final Map<String, PacketConnection> pool = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public GossipPackets(GossipDialer dialer) {
    this(dialer, DEFAULT_IDLE_TIMEOUT);
  }

  public GossipPackets(GossipDialer dialer, Duration idleTimeout) {
    this(dialer, idleTimeout, DEFAULT_MAX_CONNECTION_AGE);
  }

  /** @param maxConnectionAge a pooled connection this old (less up to 10 % jitter) is replaced */
  public GossipPackets(GossipDialer dialer, Duration idleTimeout, Duration maxConnectionAge) {
    this.dialer = Objects.requireNonNull(dialer, "dialer");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
    }
    if (maxConnectionAge.isNegative() || maxConnectionAge.isZero()) {
      throw new IllegalArgumentException("maximum connection age must be positive: " + maxConnectionAge);
    }
    this.idleTimeout = idleTimeout;
    this.maxConnectionAge = maxConnectionAge;
    // Gossip traffic is small; one thread serves every member connection.
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(THREAD_NAME_PREFIX, true),
        NioIoHandler.newFactory());
  }

  /**
   * Sends {@code payload} as one frame to {@code member}, dialing {@code address} if no connection to
   * the member is pooled. Packets to one member go out in the order of their send calls. The stage
   * completes once the frame is written to the socket and fails with
   * {@link GossipFrameTooLargeException} above 4 MiB (nothing is sent), an {@link IOException} when
   * the dial or the write failed, or {@link IllegalStateException} once the pool is closed. The array
   * is sent as is: do not change it before the stage completes.
   */
  public CompletionStage<Void> send(String member, InetSocketAddress address, byte[] payload) {
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(payload, "payload");
    if (GossipFrameTooLargeException.tooLarge(payload.length)) {
      counters.countOversize();
      return CompletableFuture.failedFuture(new GossipFrameTooLargeException(payload.length));
    }
    if (closed) {
      return CompletableFuture.failedFuture(closedError());
    }
    CompletableFuture<Void> written = new CompletableFuture<>();
    while (!connection(member, address).offer(payload, written)) {
      // Retired since the look-up; it has left the pool, so the next look-up finds or dials its successor.
    }
    return written;
  }

  public GossipCounters counters() {
    return counters;
  }

  /**
   * Closes every pooled connection, fails dials in progress and stops the event loop thread;
   * waits for the thread to end, up to twice the shutdown timeout.
   */
  @Override
  public void close() {
    shutDown().awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * As {@link #close}, without waiting: for callers that must not block, such as an actor. The stage
   * completes on the event loop's thread as it ends, within the 5 s shutdown timeout.
   */
  public CompletionStage<Void> closeAsync() {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    shutDown().addListener(f -> ended.complete(null));
    return ended;
  }

  private io.netty.util.concurrent.Future<?> shutDown() {
    closed = true;
    List<PacketConnection> connections = new ArrayList<>(pool.values());
    pool.clear();
    for (PacketConnection connection : connections) {
      connection.fail(closedError());
    }
    return group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private PacketConnection connection(String member, InetSocketAddress address) {
    while (true) {
      PacketConnection existing = pool.get(member);
      if (existing == null) {
        PacketConnection created = new PacketConnection(member, counters, pool);
        if (pool.putIfAbsent(member, created) == null) {
          dial(member, address, created);
          return created;
        }
      } else if (existing.usable()) {
        return existing;
      } else {
        // Closed, but its close listener has not yet run: skip it rather than fail a write on it.
        existing.leavePool();
      }
    }
  }

  private void dial(String member, InetSocketAddress address, PacketConnection connection) {
    CompletionStage<Channel> dialing;
    try {
      dialing = dialer.dial(member, address, GossipProtocol.PACKET, group,
          pipeline -> install(pipeline, member + " at " + address.getHostString() + ":" + address.getPort()));
    } catch (RuntimeException e) {
      dialing = CompletableFuture.failedFuture(e);
    }
    dialing.whenComplete((channel, error) -> {
      if (error != null) {
        connection.leavePool();
        connection.fail(error);
        return;
      }
      counters.track(channel);
      channel.closeFuture().addListener(f -> connection.leavePool());
      connection.connected(channel);
      connection.retireAfter(ConnectionAge.drawNanos(maxConnectionAge));
      if (closed) {
        connection.fail(closedError());
      }
    });
  }

  private void install(ChannelPipeline pipeline, String peer) {
    // The peer never writes on a packet connection, so all-idle means no packet sent for that long.
    pipeline.addLast("gossip-idle-state",
        new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
    pipeline.addLast("gossip-idle-closer", new GossipIdleCloser(counters));
    pipeline.addLast("gossip-frame-encoder", GossipFrameEncoder.INSTANCE);
    pipeline.addLast("gossip-errors", new GossipConnectionErrors(peer, problems));
  }

  private static IllegalStateException closedError() {
    return new IllegalStateException("gossip packet pool is closed");
  }
}
