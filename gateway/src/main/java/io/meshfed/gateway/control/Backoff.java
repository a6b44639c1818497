package io.meshfed.gateway.control;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Delays between retries: {@code first}, doubling up to {@code max}, each spread by up to
 * ±{@code jitter} so that gateways restarted together do not retry in step. {@link #reset} starts
 * over. Not thread-safe.
 */
final class Backoff {
  private final long firstNanos;
  private final long maxNanos;
  private final double jitter;
  private final DoubleSupplier random;
  private long nextNanos;

  /** @param random uniform in [0, 1) */
  Backoff(Duration first, Duration max, double jitter, DoubleSupplier random) {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < first <= max, got " + first + " and " + max);
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
    }
    this.firstNanos = first.toNanos();
    this.maxNanos = max.toNanos();
    this.jitter = jitter;
    this.random = random;
    this.nextNanos = firstNanos;
  }

  Duration next() {
    long base = nextNanos;
    nextNanos = Math.min(maxNanos, base * 2);
    return Duration.ofNanos(Math.round(base * (1 + jitter * (2 * random.getAsDouble() - 1))));
  }

  void reset() {
    nextNanos = firstNanos;
  }
}
