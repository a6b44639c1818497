package io.meshfed.actors.leader;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Keeps one routine alive: runs it as a child, and when it fails, waits out an exponential backoff
 * and runs a fresh instance. The backoff wait is an actor timer, so stopping the runner (which also
 * stops the routine, its child) leaves nothing scheduled behind. A routine that stops by itself has
 * finished: the runner reports that and stops too.
 */
final class RoutineRunner extends AbstractBehavior<RoutineRunner.Command> {

  sealed interface Command {}

  /** Sent to the listener whenever the routine starts, fails or finishes. */
  record StatusChanged(ActorRef<Command> runner, RoutineStatus status) {}

  private record RoutineFailed(ActorRef<?> routine, Throwable cause) implements Command {}

  private record RestartDue() implements Command {}

  private final RoutineSpec spec;
  private final ActorRef<StatusChanged> listener;
  private final TimerScheduler<Command> timers;

  private ActorRef<?> routine;
  private long routineStartedNanos;
  private Throwable reportedFailure;
  private int generation;
  private int restarts;
  private int consecutiveFailures;
  private String lastError = "";
  private Instant lastErrorAt;

  static Behavior<Command> create(RoutineSpec spec, ActorRef<StatusChanged> listener) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(RoutineRunner.class); // else log lines name Pekko's ActorCell
      return new RoutineRunner(ctx, timers, spec, listener);
    }));
  }

  private RoutineRunner(ActorContext<Command> ctx, TimerScheduler<Command> timers, RoutineSpec spec,
      ActorRef<StatusChanged> listener) {
    super(ctx);
    this.spec = spec;
    this.listener = listener;
    this.timers = timers;
    startRoutine();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RoutineFailed.class, this::onRoutineFailed)
        .onMessage(RestartDue.class, m -> {
          startRoutine();
          return this;
        })
        .onSignal(Terminated.class, this::onRoutineTerminated)
        .build();
  }

  @SuppressWarnings("unchecked")
  private void startRoutine() {
    generation++;
    reportedFailure = null;
    Behavior<Object> behavior = (Behavior<Object>) spec.behavior().get();
    ActorRef<Command> self = getContext().getSelf();
    routine = getContext().spawn(Behaviors.intercept(() -> new FailureReporter(self), behavior), "routine-" + generation);
    routineStartedNanos = System.nanoTime();
    getContext().watch(routine);
    publish(true);
  }

  private Behavior<Command> onRoutineFailed(RoutineFailed m) {
    if (m.routine().equals(routine)) {
      reportedFailure = m.cause();
    }
    return this;
  }

  private Behavior<Command> onRoutineTerminated(Terminated t) {
    if (!t.getRef().equals(routine)) {
      return this;
    }
    routine = null;
    Throwable cause = t instanceof ChildFailed failed ? failed.getCause() : reportedFailure;
    if (cause == null) {
      publish(false);
      return Behaviors.stopped();
    }
    Duration ranFor = Duration.ofNanos(System.nanoTime() - routineStartedNanos);
    // A routine that stayed up longer than the longest backoff was healthy; its next failure is a
    // new incident, not one more in a streak.
    consecutiveFailures = ranFor.compareTo(spec.backoff().max()) > 0 ? 1 : consecutiveFailures + 1;
    restarts++;
    lastError = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    lastErrorAt = Instant.now();
    Duration delay = spec.backoff().delay(consecutiveFailures, ThreadLocalRandom.current().nextDouble());
    getContext().getLog().warn("routine {} failed, restarting in {}: {}", spec.name(), delay.toMillis() + " ms", lastError);
    publish(false);
    timers.startSingleTimer(new RestartDue(), delay);
    return this;
  }

  private void publish(boolean running) {
    listener.tell(new StatusChanged(getContext().getSelf(),
        new RoutineStatus(spec.name(), running, restarts, lastError, lastErrorAt)));
  }

  /**
   * Turns a routine's exception into a report to the runner followed by a normal stop. Left alone,
   * Pekko would log every failure at ERROR in the parent (a second log line for the same failure),
   * and its stop supervisor turns a failure during setup into a plain stop that looks exactly like
   * a routine that finished. The report is a message sent before the routine stops, so it reaches
   * the runner before the Terminated signal does.
   */
  private static final class FailureReporter extends BehaviorInterceptor<Object, Object> {
    private final ActorRef<Command> runner;

    FailureReporter(ActorRef<Command> runner) {
      super(Object.class);
      this.runner = runner;
    }

    @Override
    public Behavior<Object> aroundStart(TypedActorContext<Object> ctx, PreStartTarget<Object> target) {
      try {
        return target.start(ctx);
      } catch (Exception e) {
        return failed(ctx, e);
      }
    }

    @Override
    public Behavior<Object> aroundReceive(TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Object> target) {
      try {
        return target.apply(ctx, msg);
      } catch (Exception e) {
        return failed(ctx, e);
      }
    }

    @Override
    public Behavior<Object> aroundSignal(TypedActorContext<Object> ctx, Signal signal, SignalTarget<Object> target) {
      if (signal instanceof PostStop) {
        // The routine is stopping already; there is nothing left to restart or report.
        return target.apply(ctx, signal);
      }
      try {
        return target.apply(ctx, signal);
      } catch (Exception e) {
        return failed(ctx, e);
      }
    }

    private Behavior<Object> failed(TypedActorContext<Object> ctx, Exception cause) {
      runner.tell(new RoutineFailed(ctx.asJava().getSelf(), cause));
      return Behaviors.stopped();
    }
  }
}
