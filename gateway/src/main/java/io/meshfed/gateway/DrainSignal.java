package io.meshfed.gateway;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Wakes a drain when a client connection closes, so that it ends the moment the last one does
 * rather than at its next poll. Closes notify only while a drain waits: otherwise a close costs a
 * volatile read.
 */
final class DrainSignal {
  private final IntSupplier open;
  private volatile boolean waiting;

  /** @param open client connections open now; already lower when {@link #connectionClosed} runs */
  DrainSignal(IntSupplier open) {
    this.open = open;
  }

  void connectionClosed() {
    if (waiting) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  /** True once no client connection is open, false when {@code timeout} passed first. */
  synchronized boolean awaitNoneOpen(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    // Set before the count is read: a close that lowers it after this read sees the flag and notifies,
    // and cannot do so before we wait, since we hold the monitor until then.
    waiting = true;
    try {
      while (open.getAsInt() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    } finally {
      waiting = false;
    }
  }
}
