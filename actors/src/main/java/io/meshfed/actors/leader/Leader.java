package io.meshfed.actors.leader;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * What runs while this server holds leadership of its DC (as the DC's cluster singleton). It owns
 * the routine manager, which owns every routine, so when leadership ends and this actor stops,
 * every routine, runner and pending restart timer stops with it; nothing outlives the leadership.
 */
public final class Leader {

  public sealed interface Command {}

  /**
   * The routines' status for the operator API. It may come from any server of the DC, so it and
   * its answer are serializable.
   */
  public record Report(ActorRef<RoutineReport> replyTo) implements Command, LeaderSerializable {}

  /**
   * The leader's node and its routines, sorted by name, with what some routines report about their
   * work (routine name → key → value; replication's last success, remote index, ...).
   */
  public record RoutineReport(String leaderNode, List<RoutineStatus> routines, Map<String, Map<String, String>> details)
      implements LeaderSerializable {}

  /**
   * Hand-over message for the singleton: stops every routine, waits until they have stopped, then
   * stops the leader, so the next leader never runs a routine while this one still does.
   */
  public record Shutdown() implements Command {}

  private record RoutinesStopped() implements Command {}

  private static final java.time.Duration REPORT_TIMEOUT = java.time.Duration.ofSeconds(3);

  private Leader() {}

  /**
   * @param nodeName the node that holds leadership, for the operator API
   * @param details what routines report about their work, read for each operator report on the
   *     server that hosts the leader
   * @throws IllegalArgumentException if a routine name is empty or used twice
   */
  public static Behavior<Command> create(String nodeName, List<RoutineSpec> routines,
      Supplier<Map<String, Map<String, String>>> details) {
    List<RoutineSpec> specs = List.copyOf(routines);
    Set<String> names = new HashSet<>();
    for (RoutineSpec spec : specs) {
      if (spec.name() == null || spec.name().isBlank()) {
        throw new IllegalArgumentException("routine name must not be empty");
      }
      if (!names.add(spec.name())) {
        throw new IllegalArgumentException("routine " + spec.name() + " is listed twice");
      }
    }
    return Behaviors.setup(ctx -> {
      ctx.setLoggerName(Leader.class); // else log lines name Pekko's ActorCell
      ActorRef<RoutineManager.Command> routineManager = ctx.spawn(RoutineManager.create(), "routines");
      // Without its routine manager the leader would hold leadership doing nothing; an unhandled
      // Terminated fails the leader instead, so whoever hosts it sees the problem.
      ctx.watch(routineManager);
      ctx.getLog().info("leadership established: starting routines {}", specs.stream().map(RoutineSpec::name).toList());
      // Names were validated above, so these starts cannot be refused.
      ActorRef<StatusReply<Done>> ignore = ctx.getSystem().ignoreRef();
      specs.forEach(spec -> routineManager.tell(new RoutineManager.Start(spec, ignore)));
      return new Running(ctx, nodeName, routineManager, details).behavior();
    });
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final String nodeName;
    private final ActorRef<RoutineManager.Command> routines;
    private final Supplier<Map<String, Map<String, String>>> details;
    private boolean shuttingDown;

    Running(ActorContext<Command> ctx, String nodeName, ActorRef<RoutineManager.Command> routines,
        Supplier<Map<String, Map<String, String>>> details) {
      this.ctx = ctx;
      this.nodeName = nodeName;
      this.routines = routines;
      this.details = details;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Report.class, this::onReport)
          .onMessage(Shutdown.class, this::onShutdown)
          .onMessage(RoutinesStopped.class, m -> Behaviors.stopped())
          .onSignal(PostStop.class, s -> {
            ctx.getLog().info("leadership lost: stopping routines");
            return Behaviors.same();
          })
          .build();
    }

    private Behavior<Command> onReport(Report m) {
      String node = nodeName;
      Map<String, Map<String, String>> now = Map.copyOf(details.get());
      AskPattern.<RoutineManager.Command, List<RoutineStatus>>ask(routines, RoutineManager.GetStatus::new,
              REPORT_TIMEOUT, ctx.getSystem().scheduler())
          .thenAccept(list -> m.replyTo().tell(new RoutineReport(node, list, now)));
      return Behaviors.same();
    }

    private Behavior<Command> onShutdown(Shutdown m) {
      if (!shuttingDown) {
        shuttingDown = true;
        ActorRef<Done> stopped = ctx.messageAdapter(Done.class, d -> new RoutinesStopped());
        routines.tell(new RoutineManager.StopAll(stopped));
      }
      return Behaviors.same();
    }
  }
}
