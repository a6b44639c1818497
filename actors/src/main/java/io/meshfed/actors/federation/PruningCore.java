package io.meshfed.actors.federation;

import io.meshfed.protocol.names.Names;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.event.Level;

/**
 * What federation-state pruning decides, as a deterministic state machine: no Pekko, thread or clock. The
 * owner ({@link FederationStatePruning}, or a simulation) calls {@link #check} every check interval, with
 * {@code now} in nanoseconds of a monotonic clock, carries out the returned {@link Action}s and feeds their
 * outcome back. Not thread-safe.
 *
 * <p>A check lists the stored records; a DC (other than this one) absent from the WAN at every check for at
 * least {@code grace}, measured from the first check that found it absent, is deleted; the deletions run one
 * at a time. A check while the previous one is still running is skipped. A failed list or delete ends the
 * check (logged once); the next check tries again.
 */
final class PruningCore {
  sealed interface Action {}

  /** List the stored federation states; answer with {@link #listed} or {@link #listFailed}. */
  record ListStates() implements Action {}

  /** Delete the record of {@code datacenter}; answer with {@link #deleted} or {@link #deleteFailed}. */
  record Delete(String datacenter) implements Action {}

  record Log(Level level, String message) implements Action {}

  private final String ownDatacenter;
  private final long graceNanos;
  /** DC → when a check first found it absent from the WAN. */
  private final Map<String, Long> absentSince = new HashMap<>();
  private final Deque<String> toDelete = new ArrayDeque<>();
  private boolean busy;

  PruningCore(String ownDatacenter, Duration grace) {
    this.ownDatacenter = Objects.requireNonNull(ownDatacenter, "ownDatacenter");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("pruning needs a non-negative grace, got " + grace);
    }
    this.graceNanos = grace.toNanos();
  }

  List<Action> check(long now) {
    if (busy) {
      return List.of();
    }
    busy = true;
    return List.of(new ListStates());
  }

  /**
   * The stored records' DCs, and the DCs (lower case) with a WAN member that has not left, as read now.
   */
  List<Action> listed(Collection<String> storedDatacenters, Set<String> inWan, long now) {
    Set<String> stored = new HashSet<>();
    for (String dc : storedDatacenters) {
      stored.add(dc);
      if (dc.equalsIgnoreCase(ownDatacenter) || inWan.contains(Names.datacenterKey(dc))) {
        absentSince.remove(dc);
        continue;
      }
      long since = absentSince.computeIfAbsent(dc, k -> now);
      if (now - since >= graceNanos) {
        toDelete.add(dc);
      }
    }
    absentSince.keySet().retainAll(stored);
    return deleteNext(new ArrayList<>());
  }

  List<Action> listFailed(String error, long now) {
    busy = false;
    return List.of(new Log(Level.ERROR, "error pruning stale federation states: cannot list them: " + error));
  }

  List<Action> deleted(String datacenter, long now) {
    absentSince.remove(datacenter);
    return deleteNext(new ArrayList<>());
  }

  List<Action> deleteFailed(String datacenter, String error, long now) {
    toDelete.clear();
    busy = false;
    return List.of(new Log(Level.ERROR, "error pruning stale federation states: Failed to delete federation state "
        + datacenter + ": " + error));
  }

  private List<Action> deleteNext(List<Action> out) {
    String dc = toDelete.poll();
    if (dc == null) {
      busy = false;
      return out;
    }
    out.add(new Log(Level.INFO, "pruning stale federation state (datacenter " + dc + ")"));
    out.add(new Delete(dc));
    return out;
  }
}
