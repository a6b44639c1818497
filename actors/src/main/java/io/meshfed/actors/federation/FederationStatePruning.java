package io.meshfed.actors.federation;

import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

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
 *
 * <p>The decisions are {@link PruningCore}'s; this actor ticks it every interval, feeds it the answers and
 * the time, and carries out its actions.
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
    return create(store, ownDatacenter, datacentersInWan, interval, grace, RoutineClock.SYSTEM);
  }

  /** With the clock absence is measured on. */
  static Behavior<Command> create(StoreClient store, String ownDatacenter, Supplier<Set<String>> datacentersInWan,
      Duration interval, Duration grace, RoutineClock clock) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(ownDatacenter, "ownDatacenter");
    Objects.requireNonNull(datacentersInWan, "datacentersInWan");
    Objects.requireNonNull(clock, "clock");
    if (interval.isNegative() || interval.isZero() || grace.isNegative()) {
      throw new IllegalArgumentException("pruning needs a positive interval and a non-negative grace, got "
          + interval + " and " + grace);
    }
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(FederationStatePruning.class); // else log lines name Pekko's ActorCell
      timers.startTimerWithFixedDelay(Check.class, new Check(), interval);
      ctx.getSelf().tell(new Check());
      return new Running(ctx, store, datacentersInWan, new PruningCore(ownDatacenter, grace), clock).behavior();
    }));
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final StoreClient store;
    private final Supplier<Set<String>> datacentersInWan;
    private final PruningCore core;
    private final RoutineClock clock;

    Running(ActorContext<Command> ctx, StoreClient store, Supplier<Set<String>> datacentersInWan, PruningCore core,
        RoutineClock clock) {
      this.ctx = ctx;
      this.store = store;
      this.datacentersInWan = datacentersInWan;
      this.core = core;
      this.clock = clock;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Check.class, m -> run(core.check(clock.now())))
          .onMessage(Listed.class, m -> run(m.failure() != null
              ? core.listFailed(m.failure().getMessage(), clock.now())
              : core.listed(m.result().value().stream().map(FederationState::datacenter).toList(),
                  datacentersInWan.get(), clock.now())))
          .onMessage(Deleted.class, m -> run(m.failure() != null
              ? core.deleteFailed(m.datacenter(), m.failure().getMessage(), clock.now())
              : core.deleted(m.datacenter(), clock.now())))
          .build();
    }

    private Behavior<Command> run(List<PruningCore.Action> actions) {
      for (PruningCore.Action action : actions) {
        if (action instanceof PruningCore.ListStates) {
          ctx.pipeToSelf(store.<DcStore.QueryResult<List<FederationState>>>ask(reply ->
              new DcStore.ListFederationStates(0, Duration.ZERO, reply)), Listed::new);
        } else if (action instanceof PruningCore.Delete d) {
          FederationState key = new FederationState(d.datacenter(), List.of(), null, 0, 0, 0);
          ctx.pipeToSelf(store.<DcStore.WriteResult>ask(reply ->
                  new DcStore.ApplyFederationState(FederationStateOp.DELETE, key, reply)),
              (done, err) -> new Deleted(d.datacenter(), err));
        } else if (action instanceof PruningCore.Log l) {
          ctx.getLog().atLevel(l.level()).log(l.message());
        }
      }
      return Behaviors.same();
    }
  }
}
