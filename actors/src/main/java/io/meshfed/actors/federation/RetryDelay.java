package io.meshfed.actors.federation;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Exponential retry delay: after the n-th consecutive failure, {@code base * 2^(n-1)} capped at
 * {@code max}, plus up to {@code jitter} (a fraction, 0.1 = 10 %) of it at random, so leaders that
 * failed together do not retry in lockstep. Consul's replication waiter is {@code (1 s, 120 s, 0.1)};
 * its {@code retryLoopBackoff} (anti-entropy) is {@code (2 s, 256 s, 0)}.
 */
public record RetryDelay(Duration base, Duration max, double jitter) {
  public static final RetryDelay REPLICATION = new RetryDelay(Duration.ofSeconds(1), Duration.ofSeconds(120), 0.1);
  public static final RetryDelay ANTI_ENTROPY = new RetryDelay(Duration.ofSeconds(2), Duration.ofSeconds(256), 0.0);

  public RetryDelay {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(max, "max");
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("retry delay needs 0 < base <= max, got " + base + " and " + max);
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("retry jitter must be in [0, 1], got " + jitter);
    }
  }

  /** The delay after {@code failures} (≥ 1) consecutive failures. */
  public Duration after(int failures, Random random) {
    long maxNanos = max.toNanos();
    long delay = base.toNanos();
    for (int i = 1; i < failures && delay < maxNanos; i++) {
      delay = delay > maxNanos / 2 ? maxNanos : delay * 2;
    }
    delay = Math.min(delay, maxNanos);
    return Duration.ofNanos(delay + (long) (delay * jitter * random.nextDouble()));
  }
}
