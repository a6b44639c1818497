package io.meshfed.actors.federation;

import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.names.Names;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Federation-state pruning, a leader routine of the primary only (docs/architecture.md, "Federation-state
 * flow"): deletes the records of DCs that have left the WAN; the deletions then replicate to the secondaries.
 *
 * <p>Better than Consul, which deletes at the first hourly tick that finds a DC missing from its
 * router: a DC must have been absent at every check for at least {@code grace} (default
 * {@link #DEFAULT_GRACE}, 1 hour) before its record goes, so a DC whose servers all restart with a
 * graceful leave, or a membership flap, deletes nothing. One hour because the caller counts failed
 * (not left) members as present (see {@code datacentersInWan}), so an unreachable DC is not absent
 * at all until its members are reaped; absence therefore means "left", and the grace only has to
 * cover a restart or an upgrade of a DC's servers. A wrongly pruned record also heals: that DC's
 * anti-entropy pushes it again as soon as it is back.
 *
 * <p>Absence is measured from the first check that saw it, by this routine instance: after a
 * leader change the clock starts again, which errs on the side of keeping records. The own DC is
 * never pruned. A failed delete ends the round (logged once); the next round retries.
 */
public final class FederationStatePruning {
  public static final String NAME = "federation-state-pruning";
  public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(5);

  public sealed interface Command {}

  private record Check() implements Command {}

  private record Listed(DcStore.QueryResult<List<FederationState>> result, Throwable failure) implements Command {}

  private record Deleted(String datacenter, Throwable failure) implements Command {}

  private FederationStatePruning() {}

  /**
   * @param store the primary's store
   * @param ownDatacenter the primary DC, never pruned
   * @param datacentersInWan the DCs (lower case) with at least one alive or failed (not left) WAN member; called
   *     on every check from the actor's thread, so it must be cheap and thread-safe
   * @param interval how often to check
   * @param grace how long a DC must have been absent before its record is deleted
   */
  public static Behavior<Command> create(StoreClient store, String ownDatacenter,
      Supplier<Set<String>> datacentersInWan, Duration interval, Duration grace) {
    return create(store, ownDatacenter, datacentersInWan, interval, grace, System::nanoTime);
  }

  static Behavior<Command> create(StoreClient store, String ownDatacenter, Supplier<Set<String>> datacentersInWan,
      Duration interval, Duration grace, LongSupplier nanoClock) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(ownDatacenter, "ownDatacenter");
    Objects.requireNonNull(datacentersInWan, "datacentersInWan");
    if (interval.isNegative() || interval.isZero() || grace.isNegative()) {
      throw new IllegalArgumentException("pruning needs a positive interval and a non-negative grace, got "
          + interval + " and " + grace);
    }
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(FederationStatePruning.class); // else log lines name Pekko's ActorCell
      timers.startTimerWithFixedDelay(Check.class, new Check(), interval);
      ctx.getSelf().tell(new Check());
      return new Running(ctx, store, ownDatacenter, datacentersInWan, grace, nanoClock).behavior();
    }));
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final StoreClient store;
    private final String ownDatacenter;
    private final Supplier<Set<String>> datacentersInWan;
    private final long graceNanos;
    private final LongSupplier clock;
    /** DC → when a check first found it absent from the WAN (nanos). */
    private final Map<String, Long> absentSince = new HashMap<>();
    private final Deque<String> toDelete = new ArrayDeque<>();
    private boolean busy;

    Running(ActorContext<Command> ctx, StoreClient store, String ownDatacenter,
        Supplier<Set<String>> datacentersInWan, Duration grace, LongSupplier clock) {
      this.ctx = ctx;
      this.store = store;
      this.ownDatacenter = ownDatacenter;
      this.datacentersInWan = datacentersInWan;
      this.graceNanos = grace.toNanos();
      this.clock = clock;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Check.class, m -> {
            if (!busy) {
              busy = true;
              ctx.pipeToSelf(store.<DcStore.QueryResult<List<FederationState>>>ask(reply ->
                  new DcStore.ListFederationStates(0, Duration.ZERO, reply)), Listed::new);
            }
            return Behaviors.same();
          })
          .onMessage(Listed.class, this::onListed)
          .onMessage(Deleted.class, this::onDeleted)
          .build();
    }

    private Behavior<Command> onListed(Listed m) {
      if (m.failure() != null) {
        busy = false;
        ctx.getLog().error("error pruning stale federation states: cannot list them: {}", m.failure().getMessage());
        return Behaviors.same();
      }
      long now = clock.getAsLong();
      Set<String> present = datacentersInWan.get();
      Set<String> stored = new HashSet<>();
      for (FederationState s : m.result().value()) {
        String dc = s.datacenter();
        stored.add(dc);
        if (dc.equalsIgnoreCase(ownDatacenter) || present.contains(Names.datacenterKey(dc))) {
          absentSince.remove(dc);
          continue;
        }
        long since = absentSince.computeIfAbsent(dc, k -> now);
        if (now - since >= graceNanos) {
          toDelete.add(dc);
        }
      }
      absentSince.keySet().retainAll(stored);
      return deleteNext();
    }

    private Behavior<Command> deleteNext() {
      String dc = toDelete.poll();
      if (dc == null) {
        busy = false;
        return Behaviors.same();
      }
      ctx.getLog().info("pruning stale federation state (datacenter {})", dc);
      FederationState key = new FederationState(dc, List.of(), null, 0, 0, 0);
      ctx.pipeToSelf(store.<DcStore.WriteResult>ask(reply ->
          new DcStore.ApplyFederationState(FederationStateOp.DELETE, key, reply)), (done, err) -> new Deleted(dc, err));
      return Behaviors.same();
    }

    private Behavior<Command> onDeleted(Deleted m) {
      if (m.failure() != null) {
        ctx.getLog().error("error pruning stale federation states: Failed to delete federation state {}: {}",
            m.datacenter(), m.failure().getMessage());
        toDelete.clear();
        busy = false;
        return Behaviors.same();
      }
      absentSince.remove(m.datacenter());
      return deleteNext();
    }
  }
}
