package io.meshfed.actors.federation;

import io.meshfed.protocol.errors.Failures;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.time.Backoff;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.names.WireConstants;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Federation-state anti-entropy, a leader routine of every DC (docs/architecture.md, "Federation-state
 * flow"): keeps this DC's own federation state equal to its catalog's mesh gateways. The primary writes it to
 * its own store (it has no replication token to call itself with); a secondary applies it in the primary with
 * the replication token, and sees the result when replication brings it back.
 *
 * <p>Two blocking reads are kept parked, one per table: this DC's record and the catalog's
 * {@code mesh-gateway} services. Consul waits on both in one watch set; here each read has its own
 * index and only the one that answered is re-issued, so no read is ever left parked without a
 * purpose. After either answers, the two are compared ignoring order, indexes and {@code updatedAt}
 * (Consul's {@code IsSame}, which compares by position and relies on a stable catalog order), and a
 * difference is pushed. Pushes are rate-limited (5/s, burst 10; Consul: 0.2/s, burst 5) and retried with
 * its backoff (2 s doubling to 256 s), and errors are logged once here.
 *
 * <p>Every {@code mesh-gateway} entry the catalog returns is published, opted in to WAN federation
 * or not, healthy or not, as Consul does: the record is a catalog snapshot, and the readers (the
 * gateway locator, the gateways' routes) apply their own filters. Filtering here would make a
 * gateway that opts in later, or recovers, depend on one more round trip.
 *
 * <p>On start, a store that already holds federation states latches the feature barrier (PR #9519):
 * the feature was on before, so a restarted server need not wait for the WAN tags again. While the
 * barrier is closed, nothing is read or pushed; it is checked again every {@code barrierRetry}.
 *
 * <p>The decisions are {@link AntiEntropyCore}'s; this actor feeds it the answers and the time, and carries
 * out its actions.
 */
public final class FederationStateAntiEntropy {
  public static final String NAME = "federation-state-anti-entropy";

  /**
   * Tunables; {@link #defaults()} follow Consul's {@code retryLoopBackoff}, plus the query wait, but push
   * up to 5 times/s, burst 10 (Consul: 0.2/s, burst 5, which made the fifth change in a row wait 5 s). A
   * push carries the latest record, and changes made while one waits end in one push, so the rate, not
   * the number of changes, bounds what a DC sends the primary.
   */
  public record Settings(Duration barrierRetry, Duration queryWait, Backoff retry, double pushesPerSecond,
      int burst, Random random) {
    public Settings {
      Objects.requireNonNull(barrierRetry, "barrierRetry");
      Objects.requireNonNull(queryWait, "queryWait");
      Objects.requireNonNull(retry, "retry");
      Objects.requireNonNull(random, "random");
    }

    /**
     * 30 s, not Consul's 5 minutes, for the reason of replication's wait: both reads park in this DC's store, a
     * cluster singleton, and die with it when it moves; anti-entropy learns that only when its ask times out,
     * and until then does not see its catalog's gateways change. At 5 minutes a gateway replaced just after the
     * store moved reached the primary 5.5 minutes late (FederationFlowSimulationTest, seed 18278).
     */
    public static final Duration DEFAULT_QUERY_WAIT = Duration.ofSeconds(30);

    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(5), DEFAULT_QUERY_WAIT, Backoff.ANTI_ENTROPY, 5.0, 10, new Random());
    }

    public Settings withBarrierRetry(Duration d) {
      return new Settings(d, queryWait, retry, pushesPerSecond, burst, random);
    }

    public Settings withRetry(Backoff d) {
      return new Settings(barrierRetry, queryWait, d, pushesPerSecond, burst, random);
    }
  }

  public sealed interface Command {}

  private record StoredStates(DcStore.QueryResult<List<FederationState>> result, Throwable failure)
      implements Command {}

  private record TimerFired(AntiEntropyCore.Timer timer) implements Command {}

  private record Own(DcStore.QueryResult<FederationState> result, Throwable failure) implements Command {}

  private record Gateways(DcStore.QueryResult<List<CheckServiceNode>> result, Throwable failure)
      implements Command {}

  private record Pushed(Throwable failure) implements Command {}

  private FederationStateAntiEntropy() {}

  /**
   * @param store this DC's store
   * @param datacenter this DC
   * @param isPrimary whether this DC is the primary (write locally) or a secondary (apply in the primary)
   * @param barrier the feature barrier
   * @param primaryStates the primary, used by a secondary only (may be null in the primary)
   * @param replicationToken read for every push of a secondary
   */
  public static Behavior<Command> create(StoreClient store, String datacenter, boolean isPrimary,
      FederationBarrier barrier, PrimaryFederationStates primaryStates, Supplier<String> replicationToken,
      Settings settings) {
    return create(store, datacenter, isPrimary, barrier, primaryStates, replicationToken, settings,
        new AntiEntropyStats());
  }

  /** @param stats where the pushes are counted */
  public static Behavior<Command> create(StoreClient store, String datacenter, boolean isPrimary,
      FederationBarrier barrier, PrimaryFederationStates primaryStates, Supplier<String> replicationToken,
      Settings settings, AntiEntropyStats stats) {
    return create(store, datacenter, isPrimary, barrier, primaryStates, replicationToken, settings, stats,
        RoutineClock.SYSTEM);
  }

  /** With the clocks the core's time and the records' {@code updatedAt} are read from. */
  static Behavior<Command> create(StoreClient store, String datacenter, boolean isPrimary,
      FederationBarrier barrier, PrimaryFederationStates primaryStates, Supplier<String> replicationToken,
      Settings settings, RoutineClock clock) {
    return create(store, datacenter, isPrimary, barrier, primaryStates, replicationToken, settings,
        new AntiEntropyStats(), clock);
  }

  private static Behavior<Command> create(StoreClient store, String datacenter, boolean isPrimary,
      FederationBarrier barrier, PrimaryFederationStates primaryStates, Supplier<String> replicationToken,
      Settings settings, AntiEntropyStats stats, RoutineClock clock) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(datacenter, "datacenter");
    Objects.requireNonNull(barrier, "barrier");
    Objects.requireNonNull(replicationToken, "replicationToken");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(stats, "stats");
    Objects.requireNonNull(clock, "clock");
    if (!isPrimary) {
      Objects.requireNonNull(primaryStates, "primaryStates (a secondary pushes to the primary)");
    }
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(FederationStateAntiEntropy.class); // else log lines name Pekko's ActorCell
      Running r = new Running(ctx, timers, store, datacenter, isPrimary, barrier, primaryStates, replicationToken,
          settings, stats, clock);
      r.run(r.core.start(clock.now(), barrier.passed()));
      return r.behavior();
    }));
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final StoreClient store;
    private final String datacenter;
    private final boolean isPrimary;
    private final FederationBarrier barrier;
    private final PrimaryFederationStates primaryStates;
    private final Supplier<String> token;
    private final AntiEntropyStats stats;
    private final RoutineClock clock;
    final AntiEntropyCore core;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, StoreClient store, String datacenter,
        boolean isPrimary, FederationBarrier barrier, PrimaryFederationStates primaryStates, Supplier<String> token,
        Settings settings, AntiEntropyStats stats, RoutineClock clock) {
      this.ctx = ctx;
      this.timers = timers;
      this.store = store;
      this.datacenter = datacenter;
      this.isPrimary = isPrimary;
      this.barrier = barrier;
      this.primaryStates = primaryStates;
      this.token = token;
      this.stats = stats;
      this.clock = clock;
      this.core = new AntiEntropyCore(datacenter, settings, clock.now());
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(StoredStates.class, m -> run(m.failure() != null
              ? core.storedStatesFailed(m.failure().getMessage(), clock.now(), barrier.passed())
              : core.storedStates(!m.result().value().isEmpty(), clock.now(), barrier.passed())))
          .onMessage(TimerFired.class, m -> run(core.timer(m.timer(), clock.now(), barrier.passed())))
          .onMessage(Own.class, m -> run(m.failure() != null
              ? core.ownReadFailed(m.failure().getMessage(), clock.now())
              : core.ownRead(m.result().value(), m.result().index(), clock.now())))
          .onMessage(Gateways.class, m -> run(m.failure() != null
              ? core.gatewaysReadFailed(m.failure().getMessage(), clock.now())
              : core.gatewaysRead(m.result().value(), m.result().index(), clock.now())))
          .onMessage(Pushed.class, m -> {
            stats.pushEnded(clock.instant(), m.failure() == null ? null
                : java.util.Objects.toString(Failures.unwrap(m.failure()).getMessage(),
                    Failures.unwrap(m.failure()).getClass().getSimpleName()));
            return run(m.failure() != null
              ? core.pushFailed(Failures.unwrap(m.failure()).getMessage(),
                  ReplicationCore.unreachable(Failures.unwrap(m.failure())), clock.now())
              : core.pushed(clock.now()));
          })
          .build();
    }

    Behavior<Command> run(List<AntiEntropyCore.Action> actions) {
      for (AntiEntropyCore.Action action : actions) {
        if (action instanceof AntiEntropyCore.ReadStoredStates) {
          ctx.pipeToSelf(store.<DcStore.QueryResult<List<FederationState>>>ask(reply ->
              new DcStore.ListFederationStates(0, Duration.ZERO, reply)), StoredStates::new);
        } else if (action instanceof AntiEntropyCore.LatchBarrier) {
          barrier.latch();
        } else if (action instanceof AntiEntropyCore.WatchOwn w) {
          ctx.pipeToSelf(store.<DcStore.QueryResult<FederationState>>askBlocking(
              new QueryOptions("", w.minIndex(), w.maxWait()),
              reply -> new DcStore.GetFederationState(datacenter, w.minIndex(), w.maxWait(), reply)), Own::new);
        } else if (action instanceof AntiEntropyCore.WatchGateways w) {
          ctx.pipeToSelf(store.<DcStore.QueryResult<List<CheckServiceNode>>>askBlocking(
              new QueryOptions("", w.minIndex(), w.maxWait()),
              reply -> new DcStore.ListServices("", WireConstants.KIND_MESH_GATEWAY, w.minIndex(), w.maxWait(),
                  reply)), Gateways::new);
        } else if (action instanceof AntiEntropyCore.Push p) {
          push(p.state().withUpdatedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS)));
        } else if (action instanceof AntiEntropyCore.StartTimer t) {
          timers.startSingleTimer(t.timer(), new TimerFired(t.timer()), t.after());
        } else if (action instanceof AntiEntropyCore.CancelTimer t) {
          timers.cancel(t.timer());
        } else if (action instanceof AntiEntropyCore.Log l) {
          ctx.getLog().atLevel(l.level()).log(l.message());
        }
      }
      return Behaviors.same();
    }

    private void push(FederationState state) {
      stats.countPush();
      CompletionStage<DcStore.WriteResult> push = isPrimary
          // In the primary: write locally, as there is no replication token to call ourselves with.
          ? store.ask(reply -> new DcStore.ApplyFederationState(FederationStateOp.UPSERT, state, reply))
          : IndexReplication.call(() -> primaryStates.upsert(token.get(), state));
      ctx.pipeToSelf(push, (done, err) -> new Pushed(err));
    }
  }
}
