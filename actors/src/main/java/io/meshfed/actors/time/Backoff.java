package io.meshfed.actors.time;

import java.time.Duration;
import java.util.Objects;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * The one exponential backoff of a server: after the n-th consecutive failure, {@code min * 2^(n-1)}
 * capped at {@code max}, then stretched by a random factor in {@code [1, 1 + jitter]} so actors that
 * failed together do not retry in lockstep. The random draw is passed in, so the delay is a pure
 * function and tests (and simulations) choose it.
 */
public record Backoff(Duration min, Duration max, double jitter) {
  /** Restarting a routine the leader runs. */
  public static final Backoff ROUTINE = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2);
  /** Restarting a long-lived actor after an unexpected failure (Pekko's supervisor backoff). */
  public static final Backoff SUPERVISION = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
  /** Retrying replication from the primary; Consul's replication waiter is (1 s, 120 s, 10 %). */
  public static final Backoff REPLICATION = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(120), 0.1);
  /** Retrying anti-entropy; Consul's {@code retryLoopBackoff} is (2 s, 256 s, none). */
  public static final Backoff ANTI_ENTROPY = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(256), 0.0);

  public Backoff {
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    if (min.isNegative() || min.isZero()) {
      throw new IllegalArgumentException("backoff min must be positive, got " + min);
    }
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException("backoff max " + max + " is below min " + min);
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("backoff jitter must be in [0, 1], got " + jitter);
    }
  }

  /** The delay after {@code failures} (≥ 1) consecutive failures; {@code random} is a draw from [0, 1). */
  public Duration delay(int failures, double random) {
    long maxNanos = max.toNanos();
    long base = min.toNanos();
    for (int i = 1; i < failures && base < maxNanos; i++) {
      base = base > maxNanos / 2 ? maxNanos : base * 2;
    }
    long extra = (long) (base * jitter * random);
    return Duration.ofNanos(base > Long.MAX_VALUE - extra ? Long.MAX_VALUE : base + extra);
  }

  /**
   * Pekko's restart-with-backoff with these bounds, for a parent supervising a child. The failure
   * count resets only after the child has run for {@code max}: Pekko's default (after {@code min})
   * would keep an actor that fails every few seconds at the shortest delay for ever.
   */
  public BackoffSupervisorStrategy restartStrategy() {
    return SupervisorStrategy.restartWithBackoff(min, max, jitter).withResetBackoffAfter(max);
  }
}
