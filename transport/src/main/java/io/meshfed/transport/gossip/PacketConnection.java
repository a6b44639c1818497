package io.meshfed.transport.gossip;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pooled packet connection, from its dial on. Packets sent while it dials wait here and go out in
 * the order they were sent (a CompletableFuture would run its waiting writers in reverse); after that
 * every packet is written straight to the channel, under the same lock, so the order holds throughout.
 *
 * <p>At its maximum age it is retired: it leaves the pool, so the next packet dials afresh, and it
 * closes once every packet written before has gone out (packets are fire-and-forget: nothing is
 * waited for but the flush).
 */
final class PacketConnection {
  private static final Logger LOG = LoggerFactory.getLogger(PacketConnection.class);

  private record Waiting(byte[] payload, CompletableFuture<Void> written) {}

  private final String member;
  private final GossipCounters counters;
  private final Map<String, PacketConnection> pool;
  private final List<Waiting> waiting = new ArrayList<>();
  private Channel channel;
  private Throwable failure;
  private boolean retired;

  /** @param pool where this connection is kept under {@code member} */
  PacketConnection(String member, GossipCounters counters, Map<String, PacketConnection> pool) {
    this.member = member;
    this.counters = counters;
    this.pool = pool;
  }

  /** Takes this connection out of the pool; false if it had already left. */
  boolean leavePool() {
    return pool.remove(member, this);
  }

  /** False once the dial failed or the channel closed: the pool then dials afresh. */
  synchronized boolean usable() {
    return failure == null && (channel == null || channel.isActive());
  }

  /**
   * Sends {@code payload}, completing {@code written} as it goes out or fails; false, with nothing
   * done, once this connection is retired: the pool holds its successor by then.
   */
  boolean offer(byte[] payload, CompletableFuture<Void> written) {
    Throwable error;
    synchronized (this) {
      if (retired) {
        return false;
      }
      error = failure;
      if (error == null && channel == null) {
        waiting.add(new Waiting(payload, written));
      } else if (error == null) {
        write(payload, written);
      }
    }
    if (error != null) {
      written.completeExceptionally(error);
    }
    return true;
  }

  synchronized void connected(Channel ch) {
    channel = ch;
    for (Waiting w : waiting) {
      write(w.payload(), w.written());
    }
    waiting.clear();
  }

  /** Retires this connection once it is {@code ageNanos} old, counted from now. */
  void retireAfter(long ageNanos) {
    Channel ch;
    synchronized (this) {
      ch = channel;
    }
    ScheduledFuture<?> timer;
    try {
      timer = ch.eventLoop().schedule(this::retire, ageNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return; // the pool is closing, and closes the channel with it
    }
    ch.closeFuture().addListener(closed -> timer.cancel(false));
  }

  private void retire() {
    Channel ch;
    // Out of the pool first: a sender refused below finds the successor, not this one again.
    leavePool();
    synchronized (this) {
      if (retired || failure != null || !channel.isActive()) {
        return;
      }
      retired = true;
      ch = channel;
    }
    LOG.debug("retiring gossip packet connection to {} (maximum age reached)", member);
    // Queued behind the writes senders started before it was retired, which may still be tasks on
    // the event loop: the close waits until those have gone out.
    ch.eventLoop().execute(() -> ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
  }

  /** Fails the packets waiting for the dial, and every later one; closes the channel if any. */
  void fail(Throwable error) {
    List<Waiting> failed;
    Channel ch;
    synchronized (this) {
      if (failure == null) {
        failure = error;
      }
      failed = List.copyOf(waiting);
      waiting.clear();
      ch = channel;
    }
    if (ch != null) {
      ch.close();
    }
    // Outside the lock: the senders' callbacks run here.
    failed.forEach(w -> w.written().completeExceptionally(error));
  }

  private void write(byte[] payload, CompletableFuture<Void> written) {
    Channel ch = channel;
    ch.writeAndFlush(payload).addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        counters.countSent();
        written.complete(null);
        return;
      }
      // The frame may be half on the wire: the stream cannot carry another frame.
      if (leavePool()) {
        counters.countDiscarded();
      }
      ch.close();
      written.completeExceptionally(new IOException("gossip packet to " + member + " failed: "
          + f.cause().getMessage(), f.cause()));
    });
  }
}
