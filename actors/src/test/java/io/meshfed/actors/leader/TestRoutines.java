package io.meshfed.actors.leader;

import io.meshfed.actors.time.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Routine behaviors that tell the test what happens to them, and the leader that runs them. */
final class TestRoutines {
  private TestRoutines() {}

  /** A leader for {@code routines}, as the server creates it, on a node named "test-node" with no details. */
  static Behavior<Leader.Command> leaderFor(List<RoutineSpec> routines) {
    return Leader.create("test-node", routines, Map::of);
  }

  static Backoff backoff(long minMillis, long maxMillis) {
    return new Backoff(Duration.ofMillis(minMillis), Duration.ofMillis(maxMillis), 0.2);
  }

  /** Tells "{id} started" when it starts and "{id} stopped" in PostStop. */
  static Supplier<Behavior<?>> reporting(String id, ActorRef<Object> probe) {
    return () -> Behaviors.setup(ctx -> {
      probe.tell(id + " started");
      return Behaviors.receive(Object.class)
          .onSignal(PostStop.class, s -> {
            probe.tell(id + " stopped");
            return Behaviors.same();
          })
          .build();
    });
  }

  /** Like {@link #reporting}, but its PostStop waits for the latch before it reports "stopped". */
  static Supplier<Behavior<?>> slowToStop(String id, ActorRef<Object> probe, CountDownLatch release) {
    return () -> Behaviors.setup(ctx -> {
      probe.tell(id + " started");
      return Behaviors.receive(Object.class)
          .onSignal(PostStop.class, s -> {
            probe.tell(id + " stopping");
            if (!release.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("the test never released " + id);
            }
            probe.tell(id + " stopped");
            return Behaviors.same();
          })
          .build();
    });
  }

  /** Counts its starts and throws during setup every time. */
  static Supplier<Behavior<?>> alwaysFailing(AtomicInteger starts) {
    return () -> Behaviors.setup(ctx -> {
      throw new IllegalStateException("failure " + starts.incrementAndGet());
    });
  }

  /** Counts a tick every few milliseconds from a periodic actor timer. */
  static Supplier<Behavior<?>> ticking(AtomicLong ticks) {
    return () -> Behaviors.withTimers(timers -> {
      timers.startTimerAtFixedRate("tick", Duration.ofMillis(5));
      return Behaviors.receive(Object.class)
          .onMessageEquals("tick", () -> {
            ticks.incrementAndGet();
            return Behaviors.same();
          })
          .build();
    });
  }

  static RoutineStatus statusOf(List<RoutineStatus> all, String name) {
    return all.stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no routine " + name + " in " + all));
  }
}
