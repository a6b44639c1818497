package io.meshfed.actors.leader;

import io.meshfed.actors.time.Backoff;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * Runs named routines, one {@link RoutineRunner} child each (Consul's lib/routine manager). The
 * book-keeping (start by name is idempotent, a stop is answered once the routine's actor has
 * really stopped, a name can be started again while its old instance still stops) is {@link
 * RoutineTable}'s; this actor runs the runners it asks for and reports back what happens to them.
 */
public final class RoutineManager {

  public sealed interface Command {}

  /** Starts the routine unless one of that name is running or waiting to restart. */
  public record Start(RoutineSpec spec, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Stops the routine; Done once it has stopped (at once for an unknown name). */
  public record Stop(String name, ActorRef<Done> replyTo) implements Command {}

  /** Stops every routine; Done once all of them have stopped. */
  public record StopAll(ActorRef<Done> replyTo) implements Command {}

  /** Every known routine (running, restarting or finished), sorted by name. */
  public record GetStatus(ActorRef<List<RoutineStatus>> replyTo) implements Command {}

  private record RunnerStatusChanged(RoutineRunner.StatusChanged change) implements Command {}

  private RoutineManager() {}

  /** On the system clock. */
  public static Behavior<Command> create() {
    return create(Clock.systemUTC());
  }

  /** @param clock the time of the routines' starts and failures (their backoff and status) */
  public static Behavior<Command> create(Clock clock) {
    return Behaviors.setup(ctx -> {
      ctx.setLoggerName(RoutineManager.class); // else log lines name Pekko's ActorCell
      return new Running(ctx, clock).behavior();
    });
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final ActorRef<RoutineRunner.StatusChanged> statusAdapter;
    private final Clock clock;
    private final RoutineTable<ActorRef<Done>> table = new RoutineTable<>();
    private final Map<Long, ActorRef<RoutineRunner.Command>> runners = new HashMap<>();
    private final Map<ActorRef<?>, Long> runnerIds = new HashMap<>();

    Running(ActorContext<Command> ctx, Clock clock) {
      this.ctx = ctx;
      this.clock = clock;
      statusAdapter = ctx.messageAdapter(RoutineRunner.StatusChanged.class, RunnerStatusChanged::new);
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Start.class, this::onStart)
          .onMessage(Stop.class, m -> run(table.stop(m.name(), m.replyTo()), null))
          .onMessage(StopAll.class, m -> run(table.stopAll(m.replyTo()), null))
          .onMessage(GetStatus.class, m -> {
            m.replyTo().tell(table.status());
            return Behaviors.same();
          })
          .onMessage(RunnerStatusChanged.class, this::onRunnerStatusChanged)
          .onSignal(Terminated.class, this::onRunnerTerminated)
          .build();
    }

    private Behavior<Command> onStart(Start m) {
      // A spec without a name is refused by the table before its name is used.
      return run(table.start(m.spec().name()), m);
    }

    private Behavior<Command> onRunnerStatusChanged(RunnerStatusChanged m) {
      Long id = runnerIds.get(m.change().runner());
      return id == null ? Behaviors.same() : run(table.statusChanged(id, m.change().status()), null);
    }

    private Behavior<Command> onRunnerTerminated(Terminated t) {
      Long id = runnerIds.remove(t.getRef());
      if (id == null) {
        return Behaviors.same();
      }
      runners.remove(id);
      return run(table.runnerTerminated(id), null);
    }

    /** @param start the Start being handled, whose spec and reply the table's answer is about */
    private Behavior<Command> run(List<RoutineTable.Action<ActorRef<Done>>> actions, Start start) {
      for (RoutineTable.Action<ActorRef<Done>> action : actions) {
        if (action instanceof RoutineTable.StartRunner<ActorRef<Done>> s) {
          // The runner number keeps the child name free even while an older instance of the same
          // routine is still stopping under its own name.
          String childName = "runner-" + URLEncoder.encode(s.name(), StandardCharsets.UTF_8) + "-" + s.runner();
          // A runner fails only on a bug outside its routine (building the routine's behavior
          // threw, say): it is restarted as any long-lived actor is, and starts its routine again.
          ActorRef<RoutineRunner.Command> runner = ctx.spawn(Behaviors.supervise(
              RoutineRunner.create(start.spec(), statusAdapter, clock)).onFailure(Backoff.SUPERVISION.restartStrategy()),
              childName);
          ctx.watch(runner);
          runners.put(s.runner(), runner);
          runnerIds.put(runner, s.runner());
        } else if (action instanceof RoutineTable.StopRunner<ActorRef<Done>> s) {
          ctx.stop(runners.get(s.runner()));
        } else if (action instanceof RoutineTable.Accepted) {
          start.replyTo().tell(StatusReply.ack());
        } else if (action instanceof RoutineTable.Refused<ActorRef<Done>> r) {
          start.replyTo().tell(StatusReply.error(r.reason()));
        } else if (action instanceof RoutineTable.Stopped<ActorRef<Done>> s) {
          s.waiter().tell(Done.getInstance());
        } else if (action instanceof RoutineTable.Log<ActorRef<Done>> l) {
          ctx.getLog().info(l.message());
        }
      }
      return Behaviors.same();
    }
  }
}
