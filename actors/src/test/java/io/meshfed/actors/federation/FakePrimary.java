package io.meshfed.actors.federation;

import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;

/**
 * The primary DC as the routines see it, backed by a real DC store (the primary's), so blocking
 * queries really block and wake. Stands in only for the forwarding across DCs. Every call is
 * reported to a probe; chosen calls fail; the backing store can be swapped (a rebuilt primary).
 */
final class FakePrimary implements PrimaryFederationStates {
  /** The primary's name. */
  static final String DATACENTER = "dc-a";

  /** @param primaryCopy what the secondary held of the primary's own record ({@link #DATACENTER}) when it read */
  record ListCall(int number, String token, long minIndex, FederationState primaryCopy) {}

  record UpsertCall(String token, FederationState state) {}

  final AtomicReference<StoreClient> store;
  final TestProbe<Object> calls;
  private final AtomicInteger listCalls = new AtomicInteger();
  private final AtomicInteger upsertCalls = new AtomicInteger();
  volatile IntPredicate failList = n -> false;
  /** How a failing list call fails: by default an error the primary's side gives. */
  volatile IntFunction<RuntimeException> listError = n -> new IllegalStateException("primary unreachable (call " + n + ")");
  volatile IntPredicate failUpsert = n -> false;
  /** List calls that are never answered, as a read parked for good would be; each is kept to see it cancelled. */
  volatile IntPredicate wedgeList = n -> false;
  final List<CompletableFuture<?>> wedged = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** What the primary answers instead of its store's list: records a store of today would refuse. */
  volatile java.util.function.UnaryOperator<List<FederationState>> answer = java.util.function.UnaryOperator.identity();

  FakePrimary(StoreClient store, TestProbe<Object> calls) {
    this.store = new AtomicReference<>(store);
    this.calls = calls;
  }

  @Override
  public String datacenter() {
    return DATACENTER;
  }

  @Override
  public CompletionStage<DcStore.QueryResult<List<FederationState>>> list(String token, long minIndex, Duration wait,
      FederationState primaryCopy) {
    int n = listCalls.incrementAndGet();
    calls.getRef().tell(new ListCall(n, token, minIndex, primaryCopy));
    if (failList.test(n)) {
      return CompletableFuture.failedFuture(listError.apply(n));
    }
    if (wedgeList.test(n)) {
      CompletableFuture<DcStore.QueryResult<List<FederationState>>> never = new CompletableFuture<>();
      wedged.add(never);
      return never;
    }
    return store.get().<DcStore.QueryResult<List<FederationState>>>askBlocking(new QueryOptions("", minIndex, wait),
        reply -> new DcStore.ListFederationStates(minIndex, wait, reply))
        .thenApply(r -> new DcStore.FederationStatesResult(r.index(), answer.apply(r.value())));
  }

  @Override
  public CompletionStage<DcStore.WriteResult> upsert(String token, FederationState state) {
    int n = upsertCalls.incrementAndGet();
    calls.getRef().tell(new UpsertCall(token, state));
    if (failUpsert.test(n)) {
      return CompletableFuture.failedFuture(new IllegalStateException("Permission denied (call " + n + ")"));
    }
    return store.get().ask(reply -> new DcStore.ApplyFederationState(FederationStateOp.UPSERT, state, reply));
  }
}
