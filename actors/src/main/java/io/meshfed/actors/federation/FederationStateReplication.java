package io.meshfed.actors.federation;

import io.meshfed.protocol.errors.Failures;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.forward.ReplicationSignal;
import io.meshfed.actors.time.Backoff;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Federation-state replication, a leader routine of a secondary DC (docs/architecture.md, "Federation-state
 * flow"): the primary's records are copied into the local store, so this DC knows every DC's mesh gateways.
 *
 * <p>Each round takes a token from a 1/s, burst 5 bucket, fetches the primary's full list and
 * applies the difference to the local store (deletions first, then updates, 10 ms apart). Unlike
 * Consul, whose rounds are only rate-limited, the fetch is a blocking query from the index of the
 * last round, so it is the watch: a change in the primary answers the parked query at once and
 * reaches this DC within one round trip. The query's wait is bounded (30 s by default) so that
 * a stopped routine leaves no read parked in the primary for long; its answer, arriving after the
 * stop, goes to dead letters.
 *
 * <p>A failed round forces a full sync next time and is retried after an exponential delay (1 s,
 * 2 s, ... 120 s, plus up to 10 %), except while the primary cannot be reached at all or the feature
 * barrier holds: then it is retried every second or so, so that replication follows as soon as a path
 * exists (see {@link ReplicationCore}). The outcome of every fetch is told to the gateway locator: it is
 * the health probe of the route to the primary. A round refused by the feature barrier is neither
 * logged nor told (the route was not tried).
 *
 * <p>The decisions are {@link ReplicationCore}'s; this actor feeds it the answers and the time, and carries
 * out its actions. Every wait is an actor timer, so stopping cancels it.
 */
public final class FederationStateReplication {
  public static final String NAME = "federation-state-replication";
  /** Consul's {@code errFederationStatesNotSupported}. */
  public static final String NOT_SUPPORTED =
      "Not all servers in the datacenter support federation states - preventing replication";

  /** How often the primary's arrivals in the WAN view are looked at. */
  static final Duration PATH_CHECK_INTERVAL = Duration.ofSeconds(1);

  /**
   * Tunables; {@link #defaults()} are Consul's (1 round/s burst 5, 100 writes/s, 120 s maximum
   * retry delay) plus the query wait, {@link #DEFAULT_QUERY_WAIT}, and the short retries of rounds
   * that did not reach the primary.
   *
   * @param barrierRetry how soon a round the feature barrier refused is tried again
   * @param unreachableRetryMax the longest wait after a round that found no answer from the primary
   * @param random the retry jitter's source: seed it to replay a run
   */
  public record Settings(double roundsPerSecond, int burst, Duration applyInterval, Duration queryWait,
      Backoff retry, Duration barrierRetry, Duration unreachableRetryMax, Random random) {
    public Settings {
      Objects.requireNonNull(applyInterval, "applyInterval");
      Objects.requireNonNull(queryWait, "queryWait");
      Objects.requireNonNull(retry, "retry");
      Objects.requireNonNull(barrierRetry, "barrierRetry");
      Objects.requireNonNull(unreachableRetryMax, "unreachableRetryMax");
      Objects.requireNonNull(random, "random");
      if (!(roundsPerSecond > 0) || burst < 1 || applyInterval.isNegative() || queryWait.isNegative()
          || queryWait.isZero() || !positive(barrierRetry) || !positive(unreachableRetryMax)) {
        throw new IllegalArgumentException("invalid replication settings: " + roundsPerSecond + "/s burst " + burst
            + ", apply interval " + applyInterval + ", query wait " + queryWait + ", barrier retry " + barrierRetry
            + ", unreachable retry max " + unreachableRetryMax);
      }
    }

    private static boolean positive(Duration d) {
      return !d.isNegative() && !d.isZero();
    }

    /**
     * 30 s, not Consul's 5 minutes: the read parks in the primary's store, a cluster singleton, and
     * dies with it if that server crashes; the caller then only learns it when the wait runs out.
     * Consul's followers answer these reads from their own copy, so a leader crash costs nothing
     * there. Seen in FederationSuiteProcessTest: after {@code kill -9} of the primary's store host
     * the secondaries stalled for the whole wait. An idle secondary now asks twice a minute.
     */
    public static final Duration DEFAULT_QUERY_WAIT = Duration.ofSeconds(30);

    /**
     * One second, the limiter's own pace: the barrier is a local check, and it opens when this DC first
     * sees the primary's servers in the WAN view (or stored federation states), after which replication
     * should start at once rather than at the end of a backoff grown while it waited.
     */
    public static final Duration DEFAULT_BARRIER_RETRY = Duration.ofSeconds(1);

    /**
     * One second: a round that got no answer from the primary (no path yet, a gateway that cannot route
     * the name yet, a lost connection) cost the primary nothing, and the path can appear at any moment,
     * e.g. when this DC's gateway learns the primary's gateways. A long backoff here is what kept a fresh
     * secondary from replicating for up to two minutes after its path existed.
     */
    public static final Duration DEFAULT_UNREACHABLE_RETRY_MAX = Duration.ofSeconds(1);

    public static Settings defaults() {
      return new Settings(1.0, 5, Duration.ofMillis(10), DEFAULT_QUERY_WAIT, Backoff.REPLICATION,
          DEFAULT_BARRIER_RETRY, DEFAULT_UNREACHABLE_RETRY_MAX, new Random());
    }

    public Settings withQueryWait(Duration wait) {
      return new Settings(roundsPerSecond, burst, applyInterval, wait, retry, barrierRetry, unreachableRetryMax,
          random);
    }

    public Settings withRate(double perSecond, int burstSize) {
      return new Settings(perSecond, burstSize, applyInterval, queryWait, retry, barrierRetry, unreachableRetryMax,
          random);
    }

    public Settings withRetry(Backoff delay, Random rnd) {
      return new Settings(roundsPerSecond, burst, applyInterval, queryWait, delay, barrierRetry, unreachableRetryMax,
          rnd);
    }

    /** The retries that do not back off: after a round the barrier refused, and after one that did not reach the primary. */
    public Settings withShortRetries(Duration barrier, Duration unreachableMax) {
      return new Settings(roundsPerSecond, burst, applyInterval, queryWait, retry, barrier, unreachableMax, random);
    }
  }

  public sealed interface Command {}

  private record TimerFired(ReplicationCore.Timer timer) implements Command {}

  private record PathCheck() implements Command {}

  private record Fetched(DcStore.QueryResult<List<FederationState>> result, Throwable failure) implements Command {}

  private record LocalRead(DcStore.QueryResult<List<FederationState>> local, Throwable failure) implements Command {}

  private record Applied(Throwable failure) implements Command {}

  /** The core's single timer. */
  private static final Object TIMER = "replication";
  private static final Object PATH_CHECK = "path-check";

  private FederationStateReplication() {}

  /**
   * @param store the local DC's store
   * @param primary the primary DC's federation states (see {@code FederationStateEndpoint.primary} in the server)
   * @param replicationToken read for every fetch, so a rotated token applies from the next round
   * @param federationStatesSupported the feature barrier; while false every round fails with
   *     {@link #NOT_SUPPORTED}
   * @param signal the gateway locator's replication signal
   * @param status where this routine publishes its {@link ReplicationStatus}
   * @param primaryArrivals counts the primary's servers becoming alive in the WAN view
   *     ({@link io.meshfed.actors.wan.WanRouter#arrivals}): a change during a backoff ends it, so
   *     replication resumes within a second of a partition healing instead of up to 2 minutes later
   */
  public static Behavior<Command> create(StoreClient store, PrimaryFederationStates primary,
      Supplier<String> replicationToken, BooleanSupplier federationStatesSupported, ReplicationSignal signal,
      ReplicationStatusHolder status, LongSupplier primaryArrivals, Settings settings) {
    return create(store, primary, replicationToken, federationStatesSupported, signal, status, primaryArrivals,
        settings, RoutineClock.SYSTEM);
  }

  /** With the clocks the core's time and the published times are read from. */
  static Behavior<Command> create(StoreClient store, PrimaryFederationStates primary,
      Supplier<String> replicationToken, BooleanSupplier federationStatesSupported, ReplicationSignal signal,
      ReplicationStatusHolder status, LongSupplier primaryArrivals, Settings settings, RoutineClock clock) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(primary, "primary");
    Objects.requireNonNull(replicationToken, "replicationToken");
    Objects.requireNonNull(federationStatesSupported, "federationStatesSupported");
    Objects.requireNonNull(signal, "signal");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(primaryArrivals, "primaryArrivals");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(clock, "clock");
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(FederationStateReplication.class); // else log lines name Pekko's ActorCell
      signal.replicationStarted();
      status.update(s -> new ReplicationStatus(true, null, null, null, 0, 0));
      Running running = new Running(ctx, timers, store, primary, replicationToken, federationStatesSupported, signal,
          status, primaryArrivals, settings, clock);
      timers.startTimerWithFixedDelay(PATH_CHECK, new PathCheck(), PATH_CHECK_INTERVAL);
      running.run(running.core.start(clock.now()));
      return running.behavior();
    }));
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final StoreClient store;
    private final PrimaryFederationStates primary;
    private final Supplier<String> token;
    private final BooleanSupplier supported;
    private final ReplicationSignal signal;
    private final ReplicationStatusHolder status;
    private final LongSupplier primaryArrivals;
    private final RoutineClock clock;
    final ReplicationCore core;
    /** {@link #primaryArrivals} when last looked at: a change is news for the core. */
    private long arrivalsSeen;
    /** The fetch in flight, cancelled if the routine stops (it may be parked in the primary for a while). */
    private CompletableFuture<DcStore.QueryResult<List<FederationState>>> fetching;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, StoreClient store,
        PrimaryFederationStates primary, Supplier<String> token, BooleanSupplier supported, ReplicationSignal signal,
        ReplicationStatusHolder status, LongSupplier primaryArrivals, Settings settings, RoutineClock clock) {
      this.ctx = ctx;
      this.timers = timers;
      this.store = store;
      this.primary = primary;
      this.token = token;
      this.supported = supported;
      this.signal = signal;
      this.status = status;
      this.primaryArrivals = primaryArrivals;
      this.clock = clock;
      this.core = new ReplicationCore(settings, clock.now());
      this.arrivalsSeen = primaryArrivals.getAsLong();
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(TimerFired.class, m -> run(core.timer(m.timer(), clock.now(), supported.getAsBoolean())))
          .onMessage(PathCheck.class, m -> {
            long arrivals = primaryArrivals.getAsLong();
            if (arrivals == arrivalsSeen) {
              return Behaviors.same();
            }
            arrivalsSeen = arrivals;
            return run(core.pathChanged("a server of the primary datacenter is alive again", clock.now()));
          })
          .onMessage(Fetched.class, m -> {
            fetching = null;
            return run(m.failure() == null
                ? core.fetched(m.result().index(), m.result().value(), clock.now())
                : core.fetchFailed(Failures.unwrap(m.failure()), clock.now()));
          })
          .onMessage(LocalRead.class, m -> run(m.failure() == null
              ? core.localRead(m.local().value(), clock.now())
              : core.localReadFailed(Failures.unwrap(m.failure()), clock.now())))
          .onMessage(Applied.class, m -> run(m.failure() == null
              ? core.applied(clock.now())
              : core.applyFailed(Failures.unwrap(m.failure()), clock.now())))
          .onSignal(PostStop.class, s -> {
            // Timers die with the actor. A fetch still in flight is cancelled, which cancels the
            // forwarded call in the primary; whatever answers after this goes to dead letters.
            if (fetching != null) {
              fetching.cancel(true);
            }
            signal.replicationStopped();
            status.update(st -> new ReplicationStatus(false, st.lastSuccessAt(), st.lastErrorAt(), st.lastError(),
                st.remoteIndex(), st.consecutiveFailures()));
            return Behaviors.same();
          })
          .build();
    }

    Behavior<Command> run(List<ReplicationCore.Action> actions) {
      for (ReplicationCore.Action action : actions) {
        if (action instanceof ReplicationCore.Fetch f) {
          fetching = call(() -> primary.list(token.get(), f.minIndex(), f.maxWait())).toCompletableFuture();
          ctx.pipeToSelf(fetching, Fetched::new);
        } else if (action instanceof ReplicationCore.ReadLocal) {
          ctx.pipeToSelf(store.<DcStore.QueryResult<List<FederationState>>>ask(reply ->
              new DcStore.ListFederationStates(0, Duration.ZERO, reply)), LocalRead::new);
        } else if (action instanceof ReplicationCore.Apply w) {
          ctx.pipeToSelf(store.<DcStore.WriteResult>ask(reply -> new DcStore.ApplyFederationState(w.op(), w.state(),
              true, reply)), (done, err) -> new Applied(err));
        } else if (action instanceof ReplicationCore.StartTimer t) {
          timers.startSingleTimer(TIMER, new TimerFired(t.timer()), t.after());
        } else if (action instanceof ReplicationCore.TellLocator t) {
          signal.replicationResult(t.error());
        } else if (action instanceof ReplicationCore.Succeeded s) {
          status.update(st -> st.succeeded(clock.instant(), s.remoteIndex()));
        } else if (action instanceof ReplicationCore.Failed f) {
          status.update(st -> st.failed(clock.instant(), f.error()));
        } else if (action instanceof ReplicationCore.Log l) {
          ctx.getLog().atLevel(l.level()).log(l.message());
        }
      }
      return Behaviors.same();
    }
  }

  /** A remote call that throws instead of returning a failed stage is a failed round, not a crash. */
  static <T> CompletionStage<T> call(Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
