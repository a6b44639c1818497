package io.meshfed.transport.gossip;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One pooled packet connection, from its dial on. Packets sent while it dials wait here and go out in
 * the order they were sent (a CompletableFuture would run its waiting writers in reverse); after that
 * every packet is written straight to the channel, under the same lock, so the order holds throughout.
 */
final class PacketConnection {
  private record Waiting(byte[] payload, CompletableFuture<Void> written) {}

  private final String member;
  private final GossipCounters counters;
  private final Map<String, PacketConnection> pool;
  private final List<Waiting> waiting = new ArrayList<>();
  private Channel channel;
  private Throwable failure;

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

  CompletionStage<Void> send(byte[] payload) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    Throwable error;
    synchronized (this) {
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
    return written;
  }

  synchronized void connected(Channel ch) {
    channel = ch;
    for (Waiting w : waiting) {
      write(w.payload(), w.written());
    }
    waiting.clear();
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
