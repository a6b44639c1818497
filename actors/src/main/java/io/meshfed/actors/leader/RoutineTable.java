package io.meshfed.actors.leader;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The routine manager's book, as a deterministic state machine: which runner holds each routine
 * name, which runners are stopping and who waits for them, and what each routine last reported.
 * Runners are numbered here; the owner ({@link RoutineManager}, or a simulation) maps the numbers
 * to whatever runs them, and reports back what happened to them. Every effect is a returned
 * {@link Action}. Stop callers are opaque handles of type {@code W}, handed back in {@link
 * Stopped} when they are to be answered. Not thread-safe: one caller at a time.
 *
 * <p>Starting a name that is already running, or waiting to restart, changes nothing. A name whose
 * runner is still stopping can be started again at once: the new instance gets its own runner,
 * and the old one finishes stopping on its own (Consul's #12295, where regained leadership found
 * the old instance still registered and never restarted it).
 */
public final class RoutineTable<W> {

  public sealed interface Action<W> {}

  /** Start runner {@code runner} for the routine {@code name}. */
  public record StartRunner<W>(long runner, String name) implements Action<W> {}

  /** Stop runner {@code runner}, and report {@link #runnerTerminated} once it has stopped. */
  public record StopRunner<W>(long runner) implements Action<W> {}

  /** The start is accepted (whether it started something or the routine was already there). */
  public record Accepted<W>() implements Action<W> {}

  /** The start is refused, for {@code reason}. */
  public record Refused<W>(String reason) implements Action<W> {}

  /** Answer {@code waiter}: what it waited for has stopped. */
  public record Stopped<W>(W waiter) implements Action<W> {}

  /** A line worth logging at INFO. */
  public record Log<W>(String message) implements Action<W> {}

  private record Active(long runner, RoutineStatus status) {}

  /** A stop caller, answered when the last of these runners has terminated. */
  private record Waiter<W>(Set<Long> remaining, W waiter) {}

  private final Map<String, Active> active = new HashMap<>();
  /** Routines that stopped by themselves; kept so their last status stays visible. */
  private final Map<String, RoutineStatus> finished = new HashMap<>();
  private final Map<Long, String> stopping = new HashMap<>();
  private final List<Waiter<W>> waiters = new ArrayList<>();
  private long lastRunner;

  /** Starts {@code name} unless a routine of that name is running or waiting to restart. */
  public List<Action<W>> start(String name) {
    if (name == null || name.isBlank()) {
      return List.of(new Refused<>("routine name must not be empty"));
    }
    if (active.containsKey(name)) {
      return List.of(new Accepted<>());
    }
    long runner = ++lastRunner;
    // The runner runs the routine as soon as it starts, so the routine counts as running from here
    // on, as in Consul where Start launches the goroutine before returning.
    active.put(name, new Active(runner, new RoutineStatus(name, true, 0, "", null)));
    finished.remove(name);
    return List.of(new StartRunner<>(runner, name), new Log<>("started routine " + name), new Accepted<>());
  }

  /** Stops the routine; {@code waiter} is answered once it has stopped (at once for an unknown name). */
  public List<Action<W>> stop(String name, W waiter) {
    List<Action<W>> out = new ArrayList<>();
    finished.remove(name);
    Active current = active.remove(name);
    if (current != null) {
      stopRunner(name, current.runner(), out);
    }
    Set<Long> ofName = new HashSet<>();
    stopping.forEach((runner, n) -> {
      if (n.equals(name)) {
        ofName.add(runner);
      }
    });
    awaitStopped(ofName, waiter, out);
    return out;
  }

  /** Stops every routine; {@code waiter} is answered once all of them have stopped. */
  public List<Action<W>> stopAll(W waiter) {
    List<Action<W>> out = new ArrayList<>();
    finished.clear();
    for (String name : active.keySet().stream().sorted().toList()) {
      stopRunner(name, active.remove(name).runner(), out);
    }
    awaitStopped(new HashSet<>(stopping.keySet()), waiter, out);
    return out;
  }

  private void stopRunner(String name, long runner, List<Action<W>> out) {
    stopping.put(runner, name);
    out.add(new Log<>("stopping routine " + name));
    out.add(new StopRunner<>(runner));
  }

  private void awaitStopped(Set<Long> runners, W waiter, List<Action<W>> out) {
    if (runners.isEmpty()) {
      out.add(new Stopped<>(waiter));
    } else {
      waiters.add(new Waiter<>(runners, waiter));
    }
  }

  /** What runner {@code runner} reports about its routine; a runner being stopped no longer owns the name. */
  public List<Action<W>> statusChanged(long runner, RoutineStatus status) {
    Active current = active.get(status.name());
    if (current != null && current.runner() == runner) {
      active.put(status.name(), new Active(runner, status));
    }
    return List.of();
  }

  /**
   * Runner {@code runner} has stopped: either because it was told to, or by itself when its routine
   * finished (or the runner broke); the routine's last status then stays, minus the claim that it
   * runs.
   */
  public List<Action<W>> runnerTerminated(long runner) {
    List<Action<W>> out = new ArrayList<>();
    if (stopping.remove(runner) != null) {
      for (Iterator<Waiter<W>> it = waiters.iterator(); it.hasNext(); ) {
        Waiter<W> w = it.next();
        if (w.remaining().remove(runner) && w.remaining().isEmpty()) {
          out.add(new Stopped<>(w.waiter()));
          it.remove();
        }
      }
      return out;
    }
    active.entrySet().removeIf(e -> {
      if (e.getValue().runner() != runner) {
        return false;
      }
      RoutineStatus last = e.getValue().status();
      finished.put(e.getKey(), new RoutineStatus(last.name(), false, last.restarts(), last.lastError(),
          last.lastErrorAt()));
      return true;
    });
    return out;
  }

  /** Every known routine (running, restarting or finished), sorted by name. */
  public List<RoutineStatus> status() {
    List<RoutineStatus> all = new ArrayList<>(finished.values());
    active.values().forEach(a -> all.add(a.status()));
    all.sort(Comparator.comparing(RoutineStatus::name));
    return List.copyOf(all);
  }

  /** Runners told to stop that have not terminated yet. */
  public Set<Long> stopping() {
    return Set.copyOf(stopping.keySet());
  }
}
