package io.meshfed.actors.leader;

import io.meshfed.actors.time.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One routine's life under its runner, as a deterministic state machine: when a fresh instance
 * runs, how long a failed one waits before the next, and what the routine's status says. It reads
 * no clock and owns no timer or randomness: every input carries the current time, a failure also
 * the random draw for the backoff's jitter, and every effect is a returned {@link Action}, so a
 * test or a simulation replays a run exactly. {@link RoutineRunner} drives it in production. Not
 * thread-safe: one caller at a time.
 *
 * <p>Instances are numbered from 1; an input about an instance other than the current one (a late
 * report of an older instance) changes nothing.
 */
public final class RoutineRestarts {

  public sealed interface Action {}

  /** Run instance {@code instance} of the routine now. */
  public record Spawn(int instance) implements Action {}

  /** Call {@link #restartDue} once {@code after} has passed. */
  public record ScheduleRestart(Duration after) implements Action {}

  /** The routine's status changed to {@code status}. */
  public record Publish(RoutineStatus status) implements Action {}

  /** A failure, to be logged once at WARN by whoever runs the routine. */
  public record LogFailure(String message) implements Action {}

  /** The routine stopped by itself: it has finished, and nothing more will happen to it. */
  public record Finished() implements Action {}

  private final String name;
  private final Backoff backoff;
  private int instance;
  private boolean running;
  private boolean restartPending;
  private boolean finished;
  private Instant startedAt;
  private int consecutiveFailures;
  private int restarts;
  private String lastError = "";
  private Instant lastErrorAt;

  public RoutineRestarts(String name, Backoff backoff) {
    this.name = Objects.requireNonNull(name, "name");
    this.backoff = Objects.requireNonNull(backoff, "backoff");
  }

  /** Runs the first instance; later calls change nothing. */
  public List<Action> start(Instant now) {
    if (instance != 0) {
      return List.of();
    }
    return spawn(now);
  }

  /**
   * The current instance stopped: by itself when {@code error} is null (the routine finished), else
   * it failed with {@code error} ({@link #describe}).
   *
   * @param draw a random draw from [0, 1) for the backoff's jitter
   */
  public List<Action> ended(int instance, String error, double draw, Instant now) {
    if (instance != this.instance || !running) {
      return List.of();
    }
    running = false;
    if (error == null) {
      finished = true;
      return List.of(new Publish(status()), new Finished());
    }
    // A routine that stayed up longer than the longest backoff was healthy; its next failure is a
    // new incident, not one more in a streak.
    boolean healthyRun = Duration.between(startedAt, now).compareTo(backoff.max()) > 0;
    consecutiveFailures = healthyRun ? 1 : consecutiveFailures + 1;
    restarts++;
    lastError = error;
    lastErrorAt = now;
    restartPending = true;
    Duration delay = backoff.delay(consecutiveFailures, draw);
    return List.of(
        new LogFailure("routine " + name + " failed, restarting in " + delay.toMillis() + " ms: " + error),
        new Publish(status()),
        new ScheduleRestart(delay));
  }

  /** The wait after a failure is over: runs the next instance (nothing if no restart is pending). */
  public List<Action> restartDue(Instant now) {
    if (!restartPending) {
      return List.of();
    }
    restartPending = false;
    return spawn(now);
  }

  private List<Action> spawn(Instant now) {
    instance++;
    running = true;
    startedAt = now;
    return List.of(new Spawn(instance), new Publish(status()));
  }

  public RoutineStatus status() {
    return new RoutineStatus(name, running, restarts, lastError, lastErrorAt);
  }

  /** The current (or last) instance, 0 before the first start. */
  public int instance() {
    return instance;
  }

  /** Whether the routine stopped by itself; it is never run again then. */
  public boolean finished() {
    return finished;
  }

  /** How a failure appears in the status: {@code ExceptionClass: message}. */
  public static String describe(Throwable cause) {
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }
}
