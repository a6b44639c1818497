package io.meshfed.transport.gossip;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The calling side of {@code meshfed/wan-gossip/stream}: each exchange (a push/pull of full state)
 * dials a fresh connection, writes one request frame, reads one response frame and closes, as
 * Consul's wanfed does. Nothing is pooled: exchanges are rare and large.
 */
public final class GossipStreams implements AutoCloseable {
  public static final String THREAD_NAME_PREFIX = "meshfed-gossip-streams";

  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  private final GossipDialer dialer;
  private final EventLoopGroup group;
  private final GossipCounters counters = new GossipCounters();
  private final Set<CompletableFuture<byte[]>> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public GossipStreams(GossipDialer dialer) {
    this.dialer = Objects.requireNonNull(dialer, "dialer");
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(THREAD_NAME_PREFIX, true),
        NioIoHandler.newFactory());
  }

  /**
   * Exchanges {@code request} for the member's response. The deadline covers the dial, the TLS
   * handshake and both frames; past it the stage fails with a {@link TimeoutException}. Other failures:
   * {@link GossipFrameTooLargeException} for a request above 4 MiB, {@link IOException} for the dial
   * or the connection, {@link IllegalStateException} once closed.
   */
  public CompletionStage<byte[]> exchange(String member, InetSocketAddress address, byte[] request,
      Duration deadline) {
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(request, "request");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive: " + deadline);
    }
    if (GossipFrameTooLargeException.tooLarge(request.length)) {
      counters.countOversize();
      return CompletableFuture.failedFuture(new GossipFrameTooLargeException(request.length));
    }
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    inFlight.add(result);
    if (closed) {
      result.completeExceptionally(closedError());
    }
    try {
      var timer = group.schedule(() -> expire(result, member, deadline), deadline.toNanos(), TimeUnit.NANOSECONDS);
      result.whenComplete((response, error) -> timer.cancel(false));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(closedError());
    }
    AtomicReference<Channel> channel = new AtomicReference<>();
    result.whenComplete((response, error) -> {
      inFlight.remove(result);
      Channel ch = channel.get();
      if (ch != null) {
        ch.close();
      }
    });
    if (!result.isDone()) {
      start(member, address, request, result, channel);
    }
    return result;
  }

  public GossipCounters counters() {
    return counters;
  }

  /**
   * Fails exchanges in progress, closing their connections, and stops the event loop thread;
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
    for (CompletableFuture<byte[]> exchange : new ArrayList<>(inFlight)) {
      exchange.completeExceptionally(closedError());
    }
    return group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void start(String member, InetSocketAddress address, byte[] request, CompletableFuture<byte[]> result,
      AtomicReference<Channel> channel) {
    String peer = member + " at " + address.getHostString() + ":" + address.getPort();
    CompletionStage<Channel> dialing;
    try {
      dialing = dialer.dial(member, address, GossipProtocol.STREAM, group, pipeline -> {
        pipeline.addLast("gossip-frame-decoder", new GossipFrameDecoder());
        pipeline.addLast("gossip-frame-encoder", GossipFrameEncoder.INSTANCE);
        pipeline.addLast("gossip-stream-exchange", new GossipStreamExchange(result, peer, counters));
      });
    } catch (RuntimeException e) {
      dialing = CompletableFuture.failedFuture(e);
    }
    dialing.whenComplete((ch, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
        return;
      }
      counters.track(ch);
      channel.set(ch);
      // The result may have completed (deadline, close) before the channel was known to its cleanup.
      if (result.isDone()) {
        ch.close();
        return;
      }
      ch.writeAndFlush(request).addListener((ChannelFuture written) -> {
        if (written.isSuccess()) {
          counters.countSent();
        } else {
          result.completeExceptionally(new IOException("gossip stream request to " + peer + " failed: "
              + written.cause().getMessage(), written.cause()));
        }
      });
    });
  }

  private void expire(CompletableFuture<byte[]> result, String member, Duration deadline) {
    if (result.completeExceptionally(new TimeoutException(
        "gossip stream exchange with " + member + " did not finish within " + deadline))) {
      counters.countDeadlineExceeded();
    }
  }

  private static IllegalStateException closedError() {
    return new IllegalStateException("gossip stream client is closed");
  }
}
