package io.meshfed.actors.federation;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Where a federation routine's actor reads the time it hands to its core: a monotonic clock for waits and
 * rates ({@code nanos}), and a wall clock for the times it publishes (status, a record's {@code updatedAt}).
 * Tests pass clocks they move themselves.
 */
record RoutineClock(LongSupplier nanos, Clock wall) {
  static final RoutineClock SYSTEM = new RoutineClock(System::nanoTime, Clock.systemUTC());

  RoutineClock {
    Objects.requireNonNull(nanos, "nanos");
    Objects.requireNonNull(wall, "wall");
  }

  long now() {
    return nanos.getAsLong();
  }

  Instant instant() {
    return wall.instant();
  }
}
