package io.meshfed.transport.limit;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cap on the connections a listener holds open. Checked when a connection is accepted, before
 * anything is read from it: one over the cap is to be closed at once, so a flood of connections
 * costs a file descriptor for a moment and no buffers. The count is total, not per source address:
 * traffic from other DCs arrives through mesh gateways, so many legitimate connections share one.
 */
public final class ConnectionLimit {
  private final int max;
  private final AtomicInteger open = new AtomicInteger();

  public ConnectionLimit(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("a connection limit must be at least 1, got " + max);
    }
    this.max = max;
  }

  /**
   * Counts {@code channel} as open until it closes, unless {@link #max()} are open already: then
   * false, and the caller closes it.
   */
  public boolean tryAdmit(Channel channel) {
    while (true) {
      int now = open.get();
      if (now >= max) {
        return false;
      }
      if (open.compareAndSet(now, now + 1)) {
        channel.closeFuture().addListener(closed -> open.decrementAndGet());
        return true;
      }
    }
  }

  public int max() {
    return max;
  }

  /** Connections admitted and not yet closed. */
  public int open() {
    return open.get();
  }
}
