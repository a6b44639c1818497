package io.meshfed.actors.federation;

import io.meshfed.actors.time.Backoff;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.names.WireConstants;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
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
 * difference is pushed. Pushes are rate-limited like Consul's loop (0.2/s, burst 5) and retried with
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
 */
public final class FederationStateAntiEntropy {
  public static final String NAME = "federation-state-anti-entropy";

  /** Tunables; {@link #defaults()} follow Consul's {@code retryLoopBackoff}, plus the query wait. */
  public record Settings(Duration barrierRetry, Duration queryWait, Backoff retry, double pushesPerSecond,
      int burst, Random random) {
    public Settings {
      Objects.requireNonNull(barrierRetry, "barrierRetry");
      Objects.requireNonNull(queryWait, "queryWait");
      Objects.requireNonNull(retry, "retry");
      Objects.requireNonNull(random, "random");
    }

    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(5), Duration.ofMinutes(5), Backoff.ANTI_ENTROPY, 0.2, 5, new Random());
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

  private record CheckBarrier() implements Command {}

  private record WatchOwn() implements Command {}

  private record WatchGateways() implements Command {}

  private record Own(DcStore.QueryResult<FederationState> result, Throwable failure) implements Command {}

  private record Gateways(DcStore.QueryResult<List<CheckServiceNode>> result, Throwable failure)
      implements Command {}

  private record Sync() implements Command {}

  private record Pushed(Throwable failure) implements Command {}

  static final String SYNC_ERROR = "error performing anti-entropy sync of federation state";

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
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(datacenter, "datacenter");
    Objects.requireNonNull(barrier, "barrier");
    Objects.requireNonNull(replicationToken, "replicationToken");
    Objects.requireNonNull(settings, "settings");
    if (!isPrimary) {
      Objects.requireNonNull(primaryStates, "primaryStates (a secondary pushes to the primary)");
    }
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(FederationStateAntiEntropy.class); // else log lines name Pekko's ActorCell
      Running r = new Running(ctx, timers, store, datacenter, isPrimary, barrier, primaryStates, replicationToken,
          settings);
      if (barrier.passed()) {
        r.startWatching();
      } else {
        ctx.pipeToSelf(store.<DcStore.QueryResult<List<FederationState>>>ask(reply ->
            new DcStore.ListFederationStates(0, Duration.ZERO, reply)), StoredStates::new);
      }
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
    private final Settings settings;
    private final TokenBucket limiter;
    private boolean watching;
    private long ownIndex;
    private long gatewaysIndex;
    /** This DC's record as the local store has it (the replicated copy in a secondary); null if none. */
    private FederationState stored;
    private boolean storedKnown;
    private List<CheckServiceNode> gateways;
    private boolean pushing;
    /** Something changed while a push was in flight: compare again when it ends. */
    private boolean dirty;
    private int ownFailures;
    private int gatewayFailures;
    private int pushFailures;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, StoreClient store, String datacenter,
        boolean isPrimary, FederationBarrier barrier, PrimaryFederationStates primaryStates, Supplier<String> token,
        Settings settings) {
      this.ctx = ctx;
      this.timers = timers;
      this.store = store;
      this.datacenter = datacenter;
      this.isPrimary = isPrimary;
      this.barrier = barrier;
      this.primaryStates = primaryStates;
      this.token = token;
      this.settings = settings;
      this.limiter = new TokenBucket(settings.pushesPerSecond(), settings.burst(), System.nanoTime());
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(StoredStates.class, this::onStoredStates)
          .onMessage(CheckBarrier.class, m -> checkBarrier())
          .onMessage(WatchOwn.class, m -> {
            watchOwn();
            return Behaviors.same();
          })
          .onMessage(WatchGateways.class, m -> {
            watchGateways();
            return Behaviors.same();
          })
          .onMessage(Own.class, this::onOwn)
          .onMessage(Gateways.class, this::onGateways)
          .onMessage(Sync.class, m -> sync())
          .onMessage(Pushed.class, this::onPushed)
          .build();
    }

    private Behavior<Command> onStoredStates(StoredStates m) {
      if (m.failure() != null) {
        ctx.getLog().warn("Failed to check for existing federation states and activate the feature flag quicker; "
            + "skipping this optimization: {}", m.failure().getMessage());
      } else if (!m.result().value().isEmpty()) {
        barrier.latch();
      }
      return checkBarrier();
    }

    private Behavior<Command> checkBarrier() {
      if (barrier.passed()) {
        startWatching();
      } else {
        timers.startSingleTimer(CheckBarrier.class, new CheckBarrier(), settings.barrierRetry());
      }
      return Behaviors.same();
    }

    void startWatching() {
      if (!watching) {
        watching = true;
        watchOwn();
        watchGateways();
      }
    }

    private void watchOwn() {
      long min = ownIndex;
      ctx.pipeToSelf(store.<DcStore.QueryResult<FederationState>>askBlocking(
          new QueryOptions("", min, settings.queryWait()),
          reply -> new DcStore.GetFederationState(datacenter, min, settings.queryWait(), reply)), Own::new);
    }

    private void watchGateways() {
      long min = gatewaysIndex;
      ctx.pipeToSelf(store.<DcStore.QueryResult<List<CheckServiceNode>>>askBlocking(
          new QueryOptions("", min, settings.queryWait()),
          reply -> new DcStore.ListServices("", WireConstants.KIND_MESH_GATEWAY, min, settings.queryWait(), reply)),
          Gateways::new);
    }

    private Behavior<Command> onOwn(Own m) {
      if (m.failure() != null) {
        ownFailures++;
        ctx.getLog().error(SYNC_ERROR + ": cannot read this DC's federation state: {}", m.failure().getMessage());
        timers.startSingleTimer(WatchOwn.class, new WatchOwn(), settings.retry().delay(ownFailures, settings.random().nextDouble()));
        return Behaviors.same();
      }
      ownFailures = 0;
      ownIndex = m.result().index();
      stored = m.result().value();
      storedKnown = true;
      watchOwn();
      return sync();
    }

    private Behavior<Command> onGateways(Gateways m) {
      if (m.failure() != null) {
        gatewayFailures++;
        ctx.getLog().error(SYNC_ERROR + ": cannot read the catalog's mesh gateways: {}", m.failure().getMessage());
        timers.startSingleTimer(WatchGateways.class, new WatchGateways(),
            settings.retry().delay(gatewayFailures, settings.random().nextDouble()));
        return Behaviors.same();
      }
      gatewayFailures = 0;
      gatewaysIndex = m.result().index();
      gateways = m.result().value();
      watchGateways();
      return sync();
    }

    private Behavior<Command> sync() {
      if (!storedKnown || gateways == null) {
        return Behaviors.same();
      }
      if (pushing) {
        dirty = true;
        return Behaviors.same();
      }
      if (pushFailures > 0 && timers.isTimerActive(Sync.class)) {
        // Backing off after a failed push: the retry timer compares again with the latest data.
        return Behaviors.same();
      }
      FederationState current = new FederationState(datacenter, gateways, null, 0, 0, 0);
      if (stored != null && sameGateways(stored, current)) {
        ctx.getLog().trace("federation state anti-entropy sync skipped; already up to date");
        timers.cancel(Sync.class);
        return Behaviors.same();
      }
      Duration wait = limiter.tryTake(System.nanoTime());
      if (!wait.isZero()) {
        timers.startSingleTimer(Sync.class, new Sync(), wait);
        return Behaviors.same();
      }
      pushing = true;
      FederationState state = current.withUpdatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
      CompletionStage<DcStore.WriteResult> push = isPrimary
          // In the primary: write locally, as there is no replication token to call ourselves with.
          ? store.ask(reply -> new DcStore.ApplyFederationState(FederationStateOp.UPSERT, state, reply))
          : FederationStateReplication.call(() -> primaryStates.upsert(token.get(), state));
      ctx.pipeToSelf(push, (done, err) -> new Pushed(err));
      return Behaviors.same();
    }

    private Behavior<Command> onPushed(Pushed m) {
      pushing = false;
      if (m.failure() != null) {
        pushFailures++;
        ctx.getLog().error(SYNC_ERROR + ": {}", FederationStateReplication.unwrap(m.failure()).getMessage());
        dirty = false;
        timers.startSingleTimer(Sync.class, new Sync(), settings.retry().delay(pushFailures, settings.random().nextDouble()));
        return Behaviors.same();
      }
      pushFailures = 0;
      ctx.getLog().info("federation state anti-entropy synced");
      if (dirty) {
        dirty = false;
        return sync();
      }
      return Behaviors.same();
    }
  }

  private static final Comparator<CheckServiceNode> ENTRY_ORDER = Comparator
      .comparing((CheckServiceNode e) -> e.node() == null ? "" : e.node().node())
      .thenComparing(e -> e.service() == null ? "" : e.service().id());

  /**
   * Consul's {@code FederationState.IsSame} without its dependence on order: same DC and the same
   * gateway entries (node, service, checks incl. status and output) in any order. Indexes and
   * {@code updatedAt} are not compared.
   */
  static boolean sameGateways(FederationState a, FederationState b) {
    return a.datacenter().equals(b.datacenter())
        && normalized(a.meshGateways()).equals(normalized(b.meshGateways()));
  }

  private static List<CheckServiceNode> normalized(List<CheckServiceNode> entries) {
    List<CheckServiceNode> out = new ArrayList<>(entries.size());
    for (CheckServiceNode e : entries) {
      List<HealthCheck> checks = new ArrayList<>(e.checks());
      checks.sort(Comparator.comparing(HealthCheck::checkId).thenComparing(HealthCheck::node));
      out.add(new CheckServiceNode(e.node(), e.service(), checks));
    }
    out.sort(ENTRY_ORDER);
    return out;
  }
}
