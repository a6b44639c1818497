package io.meshfed.actors.leader;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;

/**
 * A named leader routine. The supplier is called for every (re)start, so each instance begins with
 * fresh state. A routine fails by throwing; it may also finish by stopping itself, and is then not
 * restarted. The name is checked by {@link RoutineManager} (an empty name is answered with an
 * error there rather than thrown here, so a bad request never crashes the caller).
 */
public record RoutineSpec(String name, Supplier<Behavior<?>> behavior, Backoff backoff) {

  public RoutineSpec {
    Objects.requireNonNull(behavior, "behavior");
    Objects.requireNonNull(backoff, "backoff");
  }

  public static RoutineSpec of(String name, Supplier<Behavior<?>> behavior) {
    return new RoutineSpec(name, behavior, Backoff.DEFAULT);
  }

  /**
   * Restart delay after the n-th consecutive failure: {@code min * 2^(n-1)}, capped at {@code max},
   * then stretched by a random factor in {@code [1, 1 + randomFactor]} so routines that failed
   * together do not retry in lockstep.
   */
  public record Backoff(Duration min, Duration max, double randomFactor) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2);

    public Backoff {
      Objects.requireNonNull(min, "min");
      Objects.requireNonNull(max, "max");
      if (min.isNegative() || min.isZero()) {
        throw new IllegalArgumentException("backoff min must be positive, got " + min);
      }
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("backoff max " + max + " is below min " + min);
      }
      if (!(randomFactor >= 0.0 && randomFactor <= 1.0)) {
        throw new IllegalArgumentException("backoff randomFactor must be in [0, 1], got " + randomFactor);
      }
    }

    /** {@code random} is a draw from [0, 1); passed in so the computation itself is testable. */
    Duration delay(int consecutiveFailures, double random) {
      long maxNanos = max.toNanos();
      long base = min.toNanos();
      for (int i = 1; i < consecutiveFailures && base < maxNanos; i++) {
        base = base > maxNanos / 2 ? maxNanos : base * 2;
      }
      return Duration.ofNanos((long) (base * (1.0 + random * randomFactor)));
    }
  }
}
