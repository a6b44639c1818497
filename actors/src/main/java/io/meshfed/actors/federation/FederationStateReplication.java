package io.meshfed.actors.federation;

import io.meshfed.actors.time.Backoff;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.forward.ReplicationSignal;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * 2 s, ... 120 s, plus up to 10 %). The outcome of every fetch is told to the gateway locator: it is
 * the health probe of the route to the primary. A round refused by the feature barrier is neither
 * logged nor told (the route was not tried). Every wait is an actor timer, so stopping cancels it.
 */
public final class FederationStateReplication {
  public static final String NAME = "federation-state-replication";
  /** Consul's {@code errFederationStatesNotSupported}. */
  public static final String NOT_SUPPORTED =
      "Not all servers in the datacenter support federation states - preventing replication";

  /**
   * Tunables; {@link #defaults()} are Consul's (1 round/s burst 5, 100 writes/s, 120 s maximum
   * retry delay) plus the query wait, {@link #DEFAULT_QUERY_WAIT}.
   */
  public record Settings(double roundsPerSecond, int burst, Duration applyInterval, Duration queryWait,
      Backoff retry, Random random) {
    public Settings {
      Objects.requireNonNull(applyInterval, "applyInterval");
      Objects.requireNonNull(queryWait, "queryWait");
      Objects.requireNonNull(retry, "retry");
      Objects.requireNonNull(random, "random");
      if (!(roundsPerSecond > 0) || burst < 1 || applyInterval.isNegative() || queryWait.isNegative()
          || queryWait.isZero()) {
        throw new IllegalArgumentException("invalid replication settings: " + roundsPerSecond + "/s burst " + burst
            + ", apply interval " + applyInterval + ", query wait " + queryWait);
      }
    }

    /**
     * 30 s, not Consul's 5 minutes: the read parks in the primary's store, a cluster singleton, and
     * dies with it if that server crashes; the caller then only learns it when the wait runs out.
     * Consul's followers answer these reads from their own copy, so a leader crash costs nothing
     * there. Seen in FederationSuiteProcessTest: after {@code kill -9} of the primary's store host
     * the secondaries stalled for the whole wait. An idle secondary now asks twice a minute.
     */
    public static final Duration DEFAULT_QUERY_WAIT = Duration.ofSeconds(30);

    public static Settings defaults() {
      return new Settings(1.0, 5, Duration.ofMillis(10), DEFAULT_QUERY_WAIT, Backoff.REPLICATION, new Random());
    }

    public Settings withQueryWait(Duration wait) {
      return new Settings(roundsPerSecond, burst, applyInterval, wait, retry, random);
    }

    public Settings withRate(double perSecond, int burstSize) {
      return new Settings(perSecond, burstSize, applyInterval, queryWait, retry, random);
    }

    public Settings withRetry(Backoff delay, Random rnd) {
      return new Settings(roundsPerSecond, burst, applyInterval, queryWait, delay, rnd);
    }
  }

  public sealed interface Command {}

  private record Round() implements Command {}

  private record Fetched(DcStore.QueryResult<List<FederationState>> result, Throwable failure) implements Command {}

  private record LocalRead(DcStore.QueryResult<List<FederationState>> remote,
      DcStore.QueryResult<List<FederationState>> local, Throwable failure) implements Command {}

  private record ApplyNext() implements Command {}

  private record PrimaryCheck() implements Command {}

  private record Applied(Write write, Throwable failure) implements Command {}

  private record Write(FederationStateOp op, FederationState state) {}

  /** The single timer: at most one of "next round", "retry" or "next write" is pending. */
  private static final Object TIMER = "replication";

  /** During a backoff only: looks for the primary's servers coming back. */
  private static final Object PRIMARY_WATCH = "primary-watch";
  private static final Duration PRIMARY_WATCH_INTERVAL = Duration.ofSeconds(1);

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
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(primary, "primary");
    Objects.requireNonNull(replicationToken, "replicationToken");
    Objects.requireNonNull(federationStatesSupported, "federationStatesSupported");
    Objects.requireNonNull(signal, "signal");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(primaryArrivals, "primaryArrivals");
    Objects.requireNonNull(settings, "settings");
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(FederationStateReplication.class); // else log lines name Pekko's ActorCell
      signal.replicationStarted();
      status.update(s -> new ReplicationStatus(true, null, null, null, 0, 0));
      ctx.getSelf().tell(new Round());
      return new Running(ctx, timers, store, primary, replicationToken, federationStatesSupported, signal, status,
          primaryArrivals, settings).behavior();
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
    private final Settings settings;
    /** The primary's modify index of the last record of each DC the local store refused: each is logged once. */
    private final Map<String, Long> refusedRecords = new HashMap<>();
    private final TokenBucket limiter;
    /** {@link #primaryArrivals} when the last round began: an arrival since then ends its backoff. */
    private long arrivalsAtRound;
    /** The primary's index this DC is replicated up to; 0 forces a full sync. */
    private long lastRemoteIndex;
    /** The fetch in flight, cancelled if the routine stops (it may be parked in the primary for minutes). */
    private CompletableFuture<DcStore.QueryResult<List<FederationState>>> fetching;
    private int failures;
    /** The current round's remaining writes and the index it replicates to. */
    private final Deque<Write> writes = new ArrayDeque<>();
    private long roundIndex;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, StoreClient store,
        PrimaryFederationStates primary, Supplier<String> token, BooleanSupplier supported, ReplicationSignal signal,
        ReplicationStatusHolder status, LongSupplier primaryArrivals, Settings settings) {
      this.ctx = ctx;
      this.timers = timers;
      this.store = store;
      this.primary = primary;
      this.token = token;
      this.supported = supported;
      this.signal = signal;
      this.status = status;
      this.primaryArrivals = primaryArrivals;
      this.settings = settings;
      this.limiter = new TokenBucket(settings.roundsPerSecond(), settings.burst(), System.nanoTime());
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Round.class, m -> round())
          .onMessage(PrimaryCheck.class, m -> primaryCheck())
          .onMessage(Fetched.class, this::onFetched)
          .onMessage(LocalRead.class, this::onLocalRead)
          .onMessage(ApplyNext.class, m -> applyNext())
          .onMessage(Applied.class, this::onApplied)
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

    private Behavior<Command> primaryCheck() {
      if (primaryArrivals.getAsLong() != arrivalsAtRound) {
        ctx.getLog().info("a server of the primary datacenter is alive again: retrying replication now");
        timers.cancel(TIMER);
        ctx.getSelf().tell(new Round());
      }
      return Behaviors.same();
    }

    private Behavior<Command> round() {
      timers.cancel(PRIMARY_WATCH);
      Duration wait = limiter.tryTake(System.nanoTime());
      if (!wait.isZero()) {
        timers.startSingleTimer(TIMER, new Round(), wait);
        return Behaviors.same();
      }
      arrivalsAtRound = primaryArrivals.getAsLong();
      if (!supported.getAsBoolean()) {
        // Not logged and not told to the locator (Consul's SuppressErrorLog): the primary was not tried.
        return fail(NOT_SUPPORTED, false);
      }
      long minIndex = lastRemoteIndex;
      fetching = call(() -> primary.list(token.get(), minIndex, settings.queryWait())).toCompletableFuture();
      ctx.pipeToSelf(fetching, Fetched::new);
      return Behaviors.same();
    }

    private Behavior<Command> onFetched(Fetched m) {
      fetching = null;
      Throwable failure = unwrap(m.failure());
      signal.replicationResult(failure);
      if (failure != null) {
        return fail("failed to retrieve federation states: " + failure.getMessage(), true);
      }
      ctx.pipeToSelf(store.<DcStore.QueryResult<List<FederationState>>>ask(reply ->
              new DcStore.ListFederationStates(0, Duration.ZERO, reply)),
          (local, err) -> new LocalRead(m.result(), local, err));
      return Behaviors.same();
    }

    private Behavior<Command> onLocalRead(LocalRead m) {
      if (m.failure() != null) {
        return fail("failed to read local federation states: " + unwrap(m.failure()).getMessage(), true);
      }
      long remoteIndex = m.remote().index();
      if (remoteIndex < lastRemoteIndex) {
        // The primary's state went back (restored snapshot, rebuilt DC): indexes say nothing now.
        ctx.getLog().warn("replication remote index moved backwards, forcing a full sync (from {} to {})",
            lastRemoteIndex, remoteIndex);
        lastRemoteIndex = 0;
      }
      FederationStateDiff.Result diff = FederationStateDiff.diff(m.local().value(), m.remote().value(), lastRemoteIndex);
      diff.deletions().forEach(s -> writes.add(new Write(FederationStateOp.DELETE, s)));
      diff.updates().forEach(s -> writes.add(new Write(FederationStateOp.UPSERT, s)));
      roundIndex = remoteIndex;
      return applyNext();
    }

    private Behavior<Command> applyNext() {
      Write w = writes.poll();
      if (w == null) {
        return succeed();
      }
      ctx.pipeToSelf(store.<DcStore.WriteResult>ask(reply -> new DcStore.ApplyFederationState(w.op(), w.state(),
          true, reply)), (done, err) -> new Applied(w, err));
      return Behaviors.same();
    }

    private Behavior<Command> onApplied(Applied m) {
      Throwable failure = m.failure() == null ? null : unwrap(m.failure());
      if (failure instanceof ApiException refused && refused.code() == ApiException.Code.INVALID_ARGUMENT
          && m.write().op() == FederationStateOp.UPSERT) {
        skipRefused(m.write().state(), refused);
      } else if (failure != null) {
        String what = m.write().op() == FederationStateOp.DELETE ? "deletions" : "updates";
        return fail("failed to apply local federation state " + what + ": " + failure.getMessage(), true);
      }
      if (writes.isEmpty()) {
        return succeed();
      }
      // Pacing between consecutive writes, not after the last (Consul's apply ticker).
      timers.startSingleTimer(TIMER, new ApplyNext(), settings.applyInterval());
      return Behaviors.same();
    }

    /**
     * A record this DC's store refuses (one the primary stored before the current limits, or a
     * primary of another version wrote) is left out, once and loudly, instead of failing every
     * round: one bad DC must not stop the replication of all the others. Deleting or fixing it in
     * the primary ends it.
     */
    private void skipRefused(FederationState state, ApiException refused) {
      Long before = refusedRecords.put(state.datacenter(), state.modifyIndex());
      if (before == null || before != state.modifyIndex()) {
        ctx.getLog().warn("replication left out the federation state of {} (primary modify index {}): this DC's "
            + "store refuses it: {}; fix or delete it in the primary", state.datacenter(), state.modifyIndex(),
            refused.getMessage());
      }
    }

    private Behavior<Command> succeed() {
      lastRemoteIndex = roundIndex;
      failures = 0;
      long index = roundIndex;
      status.update(s -> s.succeeded(Instant.now(), index));
      ctx.getSelf().tell(new Round());
      return Behaviors.same();
    }

    private Behavior<Command> fail(String error, boolean log) {
      lastRemoteIndex = 0;
      writes.clear();
      failures++;
      if (log) {
        ctx.getLog().warn("replication error (will retry if still leader): {}", error);
      }
      status.update(s -> s.failed(Instant.now(), error));
      timers.startSingleTimer(TIMER, new Round(), settings.retry().delay(failures, settings.random().nextDouble()));
      timers.startTimerWithFixedDelay(PRIMARY_WATCH, new PrimaryCheck(), PRIMARY_WATCH_INTERVAL);
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

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
