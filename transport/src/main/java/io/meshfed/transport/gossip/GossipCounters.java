package io.meshfed.transport.gossip;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of one gossip component, safe to read from any thread; each only ever grows. */
public final class GossipCounters {
  private final AtomicLong framesSent = new AtomicLong();
  private final AtomicLong framesReceived = new AtomicLong();
  private final AtomicLong refusedOversize = new AtomicLong();
  private final AtomicLong packetsDropped = new AtomicLong();
  private final AtomicLong handlerFailures = new AtomicLong();
  private final AtomicLong connectionsOpened = new AtomicLong();
  private final AtomicLong connectionsClosed = new AtomicLong();
  private final AtomicLong connectionsReaped = new AtomicLong();
  private final AtomicLong connectionsDiscarded = new AtomicLong();
  private final AtomicLong deadlinesExceeded = new AtomicLong();

  GossipCounters() {}

  public long framesSent() {
    return framesSent.get();
  }

  public long framesReceived() {
    return framesReceived.get();
  }

  /** Frames over 4 MiB: refused before sending, or read from a peer whose connection was closed. */
  public long refusedOversize() {
    return refusedOversize.get();
  }

  /** Packets received but not handed on: empty, or not decodable by the listener. */
  public long packetsDropped() {
    return packetsDropped.get();
  }

  /** Packets and stream requests on which our listener or handler failed. */
  public long handlerFailures() {
    return handlerFailures.get();
  }

  /** Connections dialed (client side) or accepted (server side). */
  public long connectionsOpened() {
    return connectionsOpened.get();
  }

  public long openConnections() {
    return connectionsOpened.get() - connectionsClosed.get();
  }

  /** Connections closed because they stayed idle for the idle timeout. */
  public long connectionsReaped() {
    return connectionsReaped.get();
  }

  /** Pooled connections closed because a write on them failed. */
  public long connectionsDiscarded() {
    return connectionsDiscarded.get();
  }

  /** Stream exchanges that did not finish within their deadline. */
  public long deadlinesExceeded() {
    return deadlinesExceeded.get();
  }

  /** Counts {@code channel} as opened now and as closed when it closes. */
  void track(Channel channel) {
    connectionsOpened.incrementAndGet();
    channel.closeFuture().addListener(closed -> connectionsClosed.incrementAndGet());
  }

  void countSent() {
    framesSent.incrementAndGet();
  }

  void countReceived() {
    framesReceived.incrementAndGet();
  }

  void countOversize() {
    refusedOversize.incrementAndGet();
  }

  void countDropped() {
    packetsDropped.incrementAndGet();
  }

  void countHandlerFailure() {
    handlerFailures.incrementAndGet();
  }

  void countReaped() {
    connectionsReaped.incrementAndGet();
  }

  void countDiscarded() {
    connectionsDiscarded.incrementAndGet();
  }

  void countDeadlineExceeded() {
    deadlinesExceeded.incrementAndGet();
  }
}
