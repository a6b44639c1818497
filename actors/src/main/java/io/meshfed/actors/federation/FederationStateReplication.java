package io.meshfed.actors.federation;

import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.forward.Cancellation;
import io.meshfed.actors.forward.ReplicationSignal;
import io.meshfed.actors.time.Backoff;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;

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
 * <p>The decisions are {@link ReplicationCore}'s, carried out by {@link IndexReplication}, the replication
 * that the ACL table's ({@link AclReplication}) shares.
 */
public final class FederationStateReplication {
  public static final String NAME = "federation-state-replication";
  /** Consul's {@code errFederationStatesNotSupported}. */
  public static final String NOT_SUPPORTED =
      "Not all servers in the datacenter support federation states - preventing replication";

  /**
   * Tunables. {@link #defaults()} allow 5 rounds/s, burst 10 (Consul: 1/s, burst 5), with Consul's 100
   * writes/s and 120 s maximum retry delay, plus the query wait, {@link #DEFAULT_QUERY_WAIT}, and the
   * short retries of rounds that did not reach the primary. A round fetches the whole table at its
   * newest index, so changes made meanwhile coalesce into one round whatever their number: the rate
   * bounds the primary's load per secondary (a storm costs at most burst + 5/s reads), and at 5/s
   * changes made back to back (each visible before the next, 250-450 ms) never wait for a token; at
   * 1/s every one after the burst waited up to a second. {@link #aclDefaults()} keep Consul's 1/s for
   * ACLs: they change rarely and each answer carries the token table.
   *
   * @param barrierRetry how soon a round the feature barrier refused is tried again
   * @param unreachableRetryMax the longest wait after a round that found no answer from the primary
   * @param random the retry jitter's source: seed it to replay a run
   * @param stepTimeout the watchdog's margin: a step that has not answered this long after it must have
   *     (the primary's read after its longest wait, a local read or write at once) wedges the routine,
   *     which then fails and is restarted; above the deadlines of the calls themselves (10 s)
   */
  public record Settings(double roundsPerSecond, int burst, Duration applyInterval, Duration queryWait,
      Backoff retry, Duration barrierRetry, Duration unreachableRetryMax, Random random, Duration stepTimeout) {
    public Settings {
      Objects.requireNonNull(applyInterval, "applyInterval");
      Objects.requireNonNull(queryWait, "queryWait");
      Objects.requireNonNull(retry, "retry");
      Objects.requireNonNull(barrierRetry, "barrierRetry");
      Objects.requireNonNull(unreachableRetryMax, "unreachableRetryMax");
      Objects.requireNonNull(random, "random");
      Objects.requireNonNull(stepTimeout, "stepTimeout");
      if (!(roundsPerSecond > 0) || burst < 1 || applyInterval.isNegative() || queryWait.isNegative()
          || queryWait.isZero() || !positive(barrierRetry) || !positive(unreachableRetryMax)
          || !positive(stepTimeout)) {
        throw new IllegalArgumentException("invalid replication settings: " + roundsPerSecond + "/s burst " + burst
            + ", apply interval " + applyInterval + ", query wait " + queryWait + ", barrier retry " + barrierRetry
            + ", unreachable retry max " + unreachableRetryMax + ", step timeout " + stepTimeout);
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

    /**
     * Twenty seconds past the moment a step must have answered: twice the calls' own 10 s deadline, so a
     * call that times out is an ordinary failed round, and only an answer that never comes (a lost
     * wake-up, a future nobody completes) is a wedge. At the default wait, a wedged read of the primary
     * is noticed 52 s after it was sent.
     */
    public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofSeconds(20);

    public static Settings defaults() {
      return new Settings(5.0, 10, Duration.ofMillis(10), DEFAULT_QUERY_WAIT, Backoff.REPLICATION,
          DEFAULT_BARRIER_RETRY, DEFAULT_UNREACHABLE_RETRY_MAX, new Random(), DEFAULT_STEP_TIMEOUT);
    }

    public static Settings aclDefaults() {
      return defaults().withRate(1.0, 5);
    }

    public Settings withQueryWait(Duration wait) {
      return new Settings(roundsPerSecond, burst, applyInterval, wait, retry, barrierRetry, unreachableRetryMax,
          random, stepTimeout);
    }

    public Settings withRate(double perSecond, int burstSize) {
      return new Settings(perSecond, burstSize, applyInterval, queryWait, retry, barrierRetry, unreachableRetryMax,
          random, stepTimeout);
    }

    public Settings withRetry(Backoff delay, Random rnd) {
      return new Settings(roundsPerSecond, burst, applyInterval, queryWait, delay, barrierRetry, unreachableRetryMax,
          rnd, stepTimeout);
    }

    /** The retries that do not back off: after a round the barrier refused, and after one that did not reach the primary. */
    public Settings withShortRetries(Duration barrier, Duration unreachableMax) {
      return new Settings(roundsPerSecond, burst, applyInterval, queryWait, retry, barrier, unreachableMax, random,
          stepTimeout);
    }

    public Settings withStepTimeout(Duration timeout) {
      return new Settings(roundsPerSecond, burst, applyInterval, queryWait, retry, barrierRetry, unreachableRetryMax,
          random, timeout);
    }
  }

  /** The records: one DC's mesh gateways each, keyed by DC. */
  static final RecordKind<FederationState> STATES = new RecordKind<>() {
    @Override
    public String what() {
      return "federation states";
    }

    @Override
    public String one() {
      return "federation state";
    }

    @Override
    public String key(FederationState state) {
      return state.datacenter();
    }

    @Override
    public long modifyIndex(FederationState state) {
      return state.modifyIndex();
    }

    /** The copy written locally keeps the primary's modify index (the local store sets its own). */
    @Override
    public FederationState asReplica(FederationState remote) {
      return remote.withIndexes(remote.modifyIndex(), remote.createIndex(), remote.modifyIndex());
    }

    @Override
    public long primaryIndexOfCopy(FederationState local) {
      return local.primaryModifyIndex();
    }
  };

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
   */
  public static Behavior<IndexReplication.Command> create(StoreClient store, PrimaryFederationStates primary,
      Supplier<String> replicationToken, BooleanSupplier federationStatesSupported, ReplicationSignal signal,
      ReplicationStatusHolder status, LongSupplier primaryArrivals, Settings settings) {
    return create(store, primary, replicationToken, federationStatesSupported, signal, status, primaryArrivals,
        settings, RoutineClock.SYSTEM);
  }

  /** With the clocks the core's time and the published times are read from. */
  static Behavior<IndexReplication.Command> create(StoreClient store, PrimaryFederationStates primary,
      Supplier<String> replicationToken, BooleanSupplier federationStatesSupported, ReplicationSignal signal,
      ReplicationStatusHolder status, LongSupplier primaryArrivals, Settings settings, RoutineClock clock) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(primary, "primary");
    return IndexReplication.create(FederationStateReplication.class, table(store, primary, status, clock),
        replicationToken,
        federationStatesSupported, signal, status, primaryArrivals, settings, clock);
  }

  private static ReplicatedTable<FederationState> table(StoreClient store, PrimaryFederationStates primary,
      ReplicationStatusHolder status, RoutineClock clock) {
    return new ReplicatedTable<>() {
      @Override
      public RecordKind<FederationState> kind() {
        return STATES;
      }

      /** Reads this DC's copy of the primary's record first: the read tells the primary what it holds. */
      @Override
      public CompletionStage<Snapshot<FederationState>> fetch(String token, long minIndex, Duration wait) {
        CompletableFuture<Snapshot<FederationState>> fetched = new CompletableFuture<>();
        store.<DcStore.QueryResult<FederationState>>ask(reply ->
            new DcStore.GetFederationState(primary.datacenter(), 0, Duration.ZERO, reply)).whenComplete((copy, error) -> {
              if (error != null) {
                fetched.completeExceptionally(error);
                return;
              }
              CompletableFuture<Snapshot<FederationState>> call = Cancellation.derived(
                  primary.list(token, minIndex, wait, copy.value()),
                  listed -> listed.thenApply(r -> new Snapshot<>(r.index(), r.value())));
              call.whenComplete((snapshot, failure) -> {
                if (failure != null) {
                  fetched.completeExceptionally(failure);
                } else {
                  fetched.complete(snapshot);
                }
              });
              // Cancelled while the local read ran, or later: the call in the primary is freed.
              fetched.whenComplete((snapshot, failure) -> {
                if (fetched.isCancelled()) {
                  call.cancel(true);
                }
              });
            });
        return fetched;
      }

      /**
       * The primary's modify index of each local copy, as of this round's local read: a full sync rewrites
       * every record, and only those whose version changes are news whose propagation is worth timing.
       */
      private volatile Map<String, Long> localVersions = Map.of();

      @Override
      public CompletionStage<List<FederationState>> readLocal() {
        return store.<DcStore.QueryResult<List<FederationState>>>ask(reply ->
            new DcStore.ListFederationStates(0, Duration.ZERO, reply)).thenApply(DcStore.QueryResult::value)
            .thenApply(local -> {
              Map<String, Long> versions = new HashMap<>();
              local.forEach(copy -> versions.put(copy.datacenter(), copy.primaryModifyIndex()));
              localVersions = versions;
              return local;
            });
      }

      @Override
      public CompletionStage<?> apply(FederationStateOp op, FederationState state) {
        CompletionStage<DcStore.WriteResult> written =
            store.<DcStore.WriteResult>ask(reply -> new DcStore.ApplyFederationState(op, state, true, reply));
        Long had = localVersions.get(state.datacenter());
        if (op == FederationStateOp.UPSERT && (had == null || had != state.modifyIndex())) {
          written = written.whenComplete((result, error) -> {
            if (error == null) {
              status.recordPropagation(state.datacenter(), state.updatedAt(), clock.instant());
            }
          });
        }
        return written;
      }
    };
  }
}
