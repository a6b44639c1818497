package io.meshfed.actors.leader;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.time.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The restart rules of one routine, on virtual time: no actor, no clock, no waiting. */
class RoutineRestartsTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final Backoff NO_JITTER = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.0);

  /** A routine on virtual time, with every action it asked for and when its instances started. */
  private static final class Run {
    final RoutineRestarts routine;
    Instant now = T0;
    Duration scheduled;
    final List<RoutineRestarts.Action> actions = new ArrayList<>();
    final List<Instant> spawnedAt = new ArrayList<>();

    Run(Backoff backoff) {
      routine = new RoutineRestarts("replication", backoff);
      apply(routine.start(now));
    }

    List<RoutineRestarts.Action> apply(List<RoutineRestarts.Action> out) {
      for (RoutineRestarts.Action a : out) {
        if (a instanceof RoutineRestarts.Spawn) {
          spawnedAt.add(now);
        } else if (a instanceof RoutineRestarts.ScheduleRestart s) {
          scheduled = s.after();
        }
      }
      actions.addAll(out);
      return out;
    }

    void runFor(Duration d) {
      now = now.plus(d);
    }

    List<RoutineRestarts.Action> fail(String error, double draw) {
      return apply(routine.ended(routine.instance(), error, draw, now));
    }

    /** Lets the scheduled wait pass and delivers the restart. */
    List<RoutineRestarts.Action> restartWhenDue() {
      assertThat(scheduled).as("a restart is scheduled").isNotNull();
      now = now.plus(scheduled);
      scheduled = null;
      return apply(routine.restartDue(now));
    }

    /** The time between consecutive starts. */
    List<Duration> gaps() {
      List<Duration> out = new ArrayList<>();
      for (int i = 1; i < spawnedAt.size(); i++) {
        out.add(Duration.between(spawnedAt.get(i - 1), spawnedAt.get(i)));
      }
      return out;
    }
  }

  private static Duration s(long seconds) {
    return Duration.ofSeconds(seconds);
  }

  @Test
  void aRoutineFailingAtOnceEveryTimeWaitsTwiceAsLongEachTimeUpToTheMax() {
    Run run = new Run(NO_JITTER);
    for (int i = 0; i < 8; i++) {
      run.fail("IllegalStateException: down", 0.0);
      run.restartWhenDue();
    }
    assertThat(run.gaps()).containsExactly(s(1), s(2), s(4), s(8), s(16), s(32), s(60), s(60));
    assertThat(run.routine.status().restarts()).isEqualTo(8);
  }

  @Test
  void theJitterStretchesEachWaitByItsDraw() {
    Run run = new Run(Backoff.ROUTINE);
    run.fail("IllegalStateException: down", 0.5);
    assertThat(run.scheduled).isEqualTo(Duration.ofMillis(1_100));
    run.restartWhenDue();
    run.fail("IllegalStateException: down", 0.0);
    assertThat(run.scheduled).isEqualTo(s(2));
    run.restartWhenDue();
    run.fail("IllegalStateException: down", 0.75);
    assertThat(run.scheduled).isEqualTo(Duration.ofMillis(4_600));
  }

  /** jqwik prints the draws (and its seed) of a failing try. */
  @Property(tries = 50, seed = "20240501")
  void withAnyDrawsEveryWaitIsItsBaseStretchedByAtMostTheJitter(
      @ForAll @Size(10) List<@DoubleRange(min = 0, max = 1, maxIncluded = false) Double> draws) {
    Run run = new Run(Backoff.ROUTINE);
    long base = 1_000;
    for (int i = 0; i < draws.size(); i++) {
      run.fail("IllegalStateException: down", draws.get(i));
      assertThat(run.scheduled.toMillis()).as("failure %d", i + 1).isBetween(base, (long) (base * 1.2));
      run.restartWhenDue();
      base = Math.min(base * 2, 60_000);
    }
  }

  @Test
  void aRunLongerThanTheLongestWaitWasHealthyAndItsFailureStartsANewStreak() {
    Run run = new Run(NO_JITTER);
    for (int i = 0; i < 3; i++) {
      run.fail("IllegalStateException: down", 0.0);
      run.restartWhenDue();
    }
    run.runFor(s(60).plusMillis(1));
    run.fail("IllegalStateException: down again", 0.0);
    assertThat(run.scheduled).isEqualTo(s(1));
    run.restartWhenDue();
    run.fail("IllegalStateException: down again", 0.0);
    assertThat(run.scheduled).isEqualTo(s(2));
    // Restarts count every failure, across streaks.
    assertThat(run.routine.status().restarts()).isEqualTo(5);
  }

  @Test
  void aRunOfExactlyTheLongestWaitIsStillPartOfTheStreak() {
    Run run = new Run(NO_JITTER);
    for (int i = 0; i < 3; i++) {
      run.fail("IllegalStateException: down", 0.0);
      run.restartWhenDue();
    }
    run.runFor(s(60));
    run.fail("IllegalStateException: down again", 0.0);
    assertThat(run.scheduled).isEqualTo(s(8));
  }

  @Test
  void theStatusShowsTheLastFailureItsTimeAndWhetherTheRoutineRuns() {
    Run run = new Run(NO_JITTER);
    assertThat(run.routine.status()).isEqualTo(new RoutineStatus("replication", true, 0, "", null));

    run.runFor(s(5));
    List<RoutineRestarts.Action> out = run.fail("IllegalStateException: cannot reach the primary", 0.0);
    RoutineStatus waiting = new RoutineStatus("replication", false, 1,
        "IllegalStateException: cannot reach the primary", T0.plus(s(5)));
    assertThat(out).containsExactly(
        new RoutineRestarts.LogFailure(
            "routine replication failed, restarting in 1000 ms: IllegalStateException: cannot reach the primary"),
        new RoutineRestarts.Publish(waiting),
        new RoutineRestarts.ScheduleRestart(s(1)));

    assertThat(run.restartWhenDue()).containsExactly(new RoutineRestarts.Spawn(2),
        new RoutineRestarts.Publish(new RoutineStatus("replication", true, 1,
            "IllegalStateException: cannot reach the primary", T0.plus(s(5)))));
  }

  @Test
  void aRoutineThatStopsByItselfHasFinishedAndIsNeverRunAgain() {
    Run run = new Run(NO_JITTER);
    run.runFor(s(3));
    assertThat(run.apply(run.routine.ended(1, null, 0.0, run.now))).containsExactly(
        new RoutineRestarts.Publish(new RoutineStatus("replication", false, 0, "", null)),
        new RoutineRestarts.Finished());
    assertThat(run.routine.finished()).isTrue();
    assertThat(run.routine.restartDue(run.now)).isEmpty();
    assertThat(run.routine.start(run.now)).isEmpty();
    assertThat(run.spawnedAt).containsExactly(T0);
  }

  @Test
  void lateReportsAndDuplicateRestartsChangeNothing() {
    Run run = new Run(NO_JITTER);
    run.fail("IllegalStateException: down", 0.0);
    assertThat(run.routine.ended(1, "IllegalStateException: reported twice", 0.0, run.now)).isEmpty();
    run.restartWhenDue();
    assertThat(run.routine.restartDue(run.now)).isEmpty();
    // Instance 1 is long gone; only instance 2's end counts.
    assertThat(run.routine.ended(1, "IllegalStateException: stale", 0.0, run.now)).isEmpty();
    assertThat(run.routine.status()).isEqualTo(new RoutineStatus("replication", true, 1,
        "IllegalStateException: down", T0));
    assertThat(run.spawnedAt).containsExactly(T0, T0.plus(s(1)));
  }

  @Test
  void aFailureIsDescribedByItsClassAndMessage() {
    assertThat(RoutineRestarts.describe(new IllegalArgumentException("bad index 7")))
        .isEqualTo("IllegalArgumentException: bad index 7");
  }
}
