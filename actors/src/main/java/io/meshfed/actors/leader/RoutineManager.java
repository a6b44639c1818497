package io.meshfed.actors.leader;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * Runs named routines, one {@link RoutineRunner} child each (Consul's lib/routine manager).
 * Starting a name that is already running, or waiting to restart, changes nothing. Stopping
 * answers once the routine's actor has really stopped. A name whose routine is still stopping can
 * be started again at once: the new instance gets its own child, and the old one finishes
 * stopping on its own (the fix for Consul's #12295, where regained leadership found the old
 * instance still registered and never restarted it).
 */
public final class RoutineManager extends AbstractBehavior<RoutineManager.Command> {

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

  private record Active(ActorRef<RoutineRunner.Command> runner, RoutineStatus status) {}

  /** A Stop or StopAll caller, answered when the last of these runners has terminated. */
  private record Waiter(Set<ActorRef<RoutineRunner.Command>> remaining, ActorRef<Done> replyTo) {}

  private final ActorRef<RoutineRunner.StatusChanged> statusAdapter;
  private final Map<String, Active> active = new HashMap<>();
  /** Routines that stopped by themselves; kept so their last status stays visible. */
  private final Map<String, RoutineStatus> finished = new HashMap<>();
  private final Map<ActorRef<RoutineRunner.Command>, String> stopping = new HashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private long sequence;

  public static Behavior<Command> create() {
    return Behaviors.setup(RoutineManager::new);
  }

  private RoutineManager(ActorContext<Command> ctx) {
    super(ctx);
    statusAdapter = ctx.messageAdapter(RoutineRunner.StatusChanged.class, RunnerStatusChanged::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(Stop.class, this::onStop)
        .onMessage(StopAll.class, this::onStopAll)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(RunnerStatusChanged.class, this::onRunnerStatusChanged)
        .onSignal(Terminated.class, this::onRunnerTerminated)
        .build();
  }

  private Behavior<Command> onStart(Start m) {
    String name = m.spec().name();
    if (name == null || name.isBlank()) {
      m.replyTo().tell(StatusReply.error("routine name must not be empty"));
      return this;
    }
    if (!active.containsKey(name)) {
      // The sequence number keeps the child name free even while an older instance of the same
      // routine is still stopping under its own name.
      String childName = "runner-" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "-" + (++sequence);
      ActorRef<RoutineRunner.Command> runner =
          getContext().spawn(RoutineRunner.create(m.spec(), statusAdapter), childName);
      getContext().watch(runner);
      // The runner spawns the routine as soon as it starts, so the routine counts as running
      // from here on, as in Consul where Start launches the goroutine before returning.
      active.put(name, new Active(runner, new RoutineStatus(name, true, 0, "", null)));
      finished.remove(name);
      getContext().getLog().info("started routine {}", name);
    }
    m.replyTo().tell(StatusReply.ack());
    return this;
  }

  private Behavior<Command> onStop(Stop m) {
    finished.remove(m.name());
    Active current = active.remove(m.name());
    if (current != null) {
      stopRunner(m.name(), current.runner());
    }
    Set<ActorRef<RoutineRunner.Command>> ofName = new HashSet<>();
    stopping.forEach((runner, name) -> {
      if (name.equals(m.name())) {
        ofName.add(runner);
      }
    });
    awaitStopped(ofName, m.replyTo());
    return this;
  }

  private Behavior<Command> onStopAll(StopAll m) {
    finished.clear();
    List<String> names = new ArrayList<>(active.keySet());
    for (String name : names) {
      stopRunner(name, active.remove(name).runner());
    }
    awaitStopped(new HashSet<>(stopping.keySet()), m.replyTo());
    return this;
  }

  private void stopRunner(String name, ActorRef<RoutineRunner.Command> runner) {
    getContext().getLog().info("stopping routine {}", name);
    stopping.put(runner, name);
    getContext().stop(runner);
  }

  private void awaitStopped(Set<ActorRef<RoutineRunner.Command>> runners, ActorRef<Done> replyTo) {
    if (runners.isEmpty()) {
      replyTo.tell(Done.getInstance());
    } else {
      waiters.add(new Waiter(runners, replyTo));
    }
  }

  private Behavior<Command> onGetStatus(GetStatus m) {
    List<RoutineStatus> all = new ArrayList<>(finished.values());
    active.values().forEach(a -> all.add(a.status()));
    all.sort(Comparator.comparing(RoutineStatus::name));
    m.replyTo().tell(List.copyOf(all));
    return this;
  }

  private Behavior<Command> onRunnerStatusChanged(RunnerStatusChanged m) {
    RoutineStatus status = m.change().status();
    Active current = active.get(status.name());
    // A runner that is being stopped may still report; it no longer owns the name.
    if (current != null && current.runner().equals(m.change().runner())) {
      active.put(status.name(), new Active(current.runner(), status));
    }
    return this;
  }

  private Behavior<Command> onRunnerTerminated(Terminated t) {
    ActorRef<Void> runner = t.getRef();
    if (stopping.remove(runner) != null) {
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (w.remaining().remove(runner) && w.remaining().isEmpty()) {
          w.replyTo().tell(Done.getInstance());
          it.remove();
        }
      }
      return this;
    }
    // Not stopped by us: the routine finished by itself (or its runner broke). Keep what was last
    // known about it, minus the claim that it runs.
    active.entrySet().removeIf(e -> {
      if (!e.getValue().runner().equals(runner)) {
        return false;
      }
      RoutineStatus last = e.getValue().status();
      finished.put(e.getKey(), new RoutineStatus(last.name(), false, last.restarts(), last.lastError(), last.lastErrorAt()));
      return true;
    });
    return this;
  }
}
