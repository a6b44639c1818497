package io.meshfed.actors.leader;

import io.meshfed.actors.time.Backoff;
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
  /** The diagnostic-context key naming the routine on its log events and its runner's. */
  public static final String LOG_KEY = "routine";

  public RoutineSpec {
    Objects.requireNonNull(behavior, "behavior");
    Objects.requireNonNull(backoff, "backoff");
  }

  public static RoutineSpec of(String name, Supplier<Behavior<?>> behavior) {
    return new RoutineSpec(name, behavior, Backoff.ROUTINE);
  }
}
