package io.meshfed.actors.leader;

import io.meshfed.actors.supervision.FailureReporter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Keeps one routine alive: runs it as a child, and when it fails, waits out an exponential backoff
 * and runs a fresh instance. The decisions are {@link RoutineRestarts}'; this actor runs the
 * instances, the backoff wait (an actor timer) and the status reports, with the time from the
 * clock it is given. Stopping the runner also stops the routine, its child, and its timer, so
 * nothing stays scheduled behind. A routine that stops by itself has finished: the runner reports
 * that and stops too.
 */
final class RoutineRunner {

  sealed interface Command {}

  /** Sent to the listener whenever the routine starts, fails or finishes. */
  record StatusChanged(ActorRef<Command> runner, RoutineStatus status) {}

  private record RoutineFailed(ActorRef<?> routine, Throwable cause) implements Command {}

  private record RestartDue() implements Command {}

  private RoutineRunner() {}

  static Behavior<Command> create(RoutineSpec spec, ActorRef<StatusChanged> listener, Clock clock) {
    Behavior<Command> runner = Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(RoutineRunner.class); // else log lines name Pekko's ActorCell
      Running running = new Running(ctx, timers, spec, listener, clock);
      running.start();
      return running.behavior();
    }));
    return Behaviors.withMdc(Command.class, Map.of(RoutineSpec.LOG_KEY, spec.name()), runner);
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final RoutineSpec spec;
    private final ActorRef<StatusChanged> listener;
    private final Clock clock;
    private final RoutineRestarts restarts;

    private ActorRef<?> routine;
    private Throwable reportedFailure;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, RoutineSpec spec,
        ActorRef<StatusChanged> listener, Clock clock) {
      this.ctx = ctx;
      this.timers = timers;
      this.spec = spec;
      this.listener = listener;
      this.clock = clock;
      this.restarts = new RoutineRestarts(spec.name(), spec.backoff());
    }

    /** Runs the first instance; a start only spawns, so what it returns never stops the runner. */
    void start() {
      run(restarts.start(clock.instant()));
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(RoutineFailed.class, this::onRoutineFailed)
          .onMessage(RestartDue.class, m -> run(restarts.restartDue(clock.instant())))
          .onSignal(Terminated.class, this::onRoutineTerminated)
          .build();
    }

    private Behavior<Command> onRoutineFailed(RoutineFailed m) {
      if (m.routine().equals(routine)) {
        reportedFailure = m.cause();
      }
      return Behaviors.same();
    }

    private Behavior<Command> onRoutineTerminated(Terminated t) {
      if (!t.getRef().equals(routine)) {
        return Behaviors.same();
      }
      routine = null;
      Throwable cause = t instanceof ChildFailed failed ? failed.getCause() : reportedFailure;
      return run(restarts.ended(restarts.instance(), cause == null ? null : RoutineRestarts.describe(cause),
          ThreadLocalRandom.current().nextDouble(), clock.instant()));
    }

    private Behavior<Command> run(List<RoutineRestarts.Action> actions) {
      Behavior<Command> next = Behaviors.same();
      for (RoutineRestarts.Action action : actions) {
        if (action instanceof RoutineRestarts.Spawn spawn) {
          spawnRoutine(spawn.instance());
        } else if (action instanceof RoutineRestarts.Publish publish) {
          listener.tell(new StatusChanged(ctx.getSelf(), publish.status()));
        } else if (action instanceof RoutineRestarts.ScheduleRestart restart) {
          timers.startSingleTimer(new RestartDue(), restart.after());
        } else if (action instanceof RoutineRestarts.LogFailure failure) {
          ctx.getLog().warn(failure.message());
        } else if (action instanceof RoutineRestarts.Finished) {
          next = Behaviors.stopped();
        }
      }
      return next;
    }

    private void spawnRoutine(int instance) {
      reportedFailure = null;
      ActorRef<Command> self = ctx.getSelf();
      routine = ctx.spawn(Behaviors.withMdc(Object.class, Map.of(RoutineSpec.LOG_KEY, spec.name()),
          FailureReporter.around(spec.behavior().get(), (failed, cause) -> self.tell(new RoutineFailed(failed, cause)))),
          "routine-" + instance);
      ctx.watch(routine);
    }
  }
}
