package io.meshfed.server.api.listener;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request bytes both client APIs may hold in memory at once (bodies and messages being read
 * before they are decoded). Per-request and per-connection limits bound one client; this bounds
 * what many of them do together, which would otherwise be connections x streams x message size.
 */
public final class RequestBudget {
  private final long max;
  private final AtomicLong used = new AtomicLong();

  public RequestBudget(long max) {
    if (max < 1) {
      throw new IllegalArgumentException("request budget must be positive: " + max);
    }
    this.max = max;
  }

  /** Takes {@code bytes} from the budget, or nothing when there is not that much left. */
  public boolean tryTake(long bytes) {
    while (true) {
      long now = used.get();
      if (now + bytes > max) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  public void giveBack(long bytes) {
    used.addAndGet(-bytes);
  }

  public long max() {
    return max;
  }

  /** Bytes held right now. */
  public long used() {
    return used.get();
  }

  /** The one line a refused request gets. */
  public String exhausted() {
    return "the server holds " + max + " bytes of requests being read, its limit "
        + "(meshfed.limits.request-buffer); retry";
  }
}
