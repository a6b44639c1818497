package io.meshfed.actors.federation;

import io.meshfed.actors.time.Backoff;
import static io.meshfed.actors.federation.FederationFixture.gateway;
import static io.meshfed.actors.federation.FederationFixture.get;
import static io.meshfed.actors.federation.FederationFixture.registerGateway;
import static io.meshfed.actors.federation.FederationFixture.state;
import static io.meshfed.actors.federation.FederationFixture.upsert;
import static io.meshfed.actors.federation.FederationFixture.uniqueDc;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.names.WireConstants;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.awaitility.Awaitility;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Anti-entropy against a real local store; a secondary's pushes go to a real primary store. */
class FederationStateAntiEntropyTest extends FederationRoutineTestBase {
  private String dc;
  private StoreClient local;
  private StoreClient primaryStore;
  private TestProbe<Object> calls;
  private FakePrimary primary;
  private Barrier barrier;

  /** A barrier whose WAN-tag side the test controls. */
  static final class Barrier implements FederationBarrier {
    final AtomicBoolean open = new AtomicBoolean();
    final AtomicBoolean latched = new AtomicBoolean();

    @Override
    public boolean passed() {
      return open.get() || latched.get();
    }

    @Override
    public void latch() {
      latched.set(true);
    }
  }

  @BeforeEach
  void freshStores() {
    dc = uniqueDc("dc");
    local = fx.store(dc);
    primaryStore = fx.store(uniqueDc("primary"));
    calls = fx.kit.createTestProbe();
    primary = new FakePrimary(primaryStore, calls);
    barrier = new Barrier();
  }

  private static FederationStateAntiEntropy.Settings fast() {
    return FederationStateAntiEntropy.Settings.defaults().withBarrierRetry(Duration.ofMillis(100))
        .withRetry(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2), 0));
  }

  private void startPrimary() {
    spawn(FederationStateAntiEntropy.create(local, dc, true, barrier, null, () -> "unused", fast()));
  }

  private void startSecondary() {
    spawn(FederationStateAntiEntropy.create(local, dc, false, barrier, primary, () -> "repl-token", fast()));
  }

  private ActorRef<FederationStateAntiEntropy.Command> spawn(Behavior<FederationStateAntiEntropy.Command> b) {
    return spawnRoutine(b);
  }

  private List<CheckServiceNode> catalogGateways() {
    return FederationFixture.join(local.<DcStore.QueryResult<List<CheckServiceNode>>>ask(reply ->
        new DcStore.ListServices("", WireConstants.KIND_MESH_GATEWAY, 0, Duration.ZERO, reply))).value();
  }

  @Test
  void thePrimaryWritesItsCatalogsGatewaysToItsOwnStoreOnEveryChange() {
    barrier.open.set(true);
    Instant before = Instant.now().minusSeconds(1);
    startPrimary();
    // No gateways yet: an empty record is published (the catalog is the truth).
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> get(local, dc) != null);
    registerGateway(local, dc, "gw1", 8443, HealthCheck.PASSING);
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(get(local, dc).meshGateways()).isEqualTo(catalogGateways()).hasSize(1));
    registerGateway(local, dc, "gw2", 8444, HealthCheck.CRITICAL);
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(get(local, dc).meshGateways()).isEqualTo(catalogGateways()).hasSize(2));
    FederationState written = get(local, dc);
    assertThat(written.updatedAt()).isAfter(before);
    assertThat(written.datacenter()).isEqualTo(dc);
    calls.expectNoMessage(Duration.ZERO);
  }

  @Test
  void aSecondaryAppliesItsRecordInThePrimaryWithTheReplicationToken() {
    barrier.open.set(true);
    registerGateway(local, dc, "gw1", 8443, HealthCheck.PASSING);
    AntiEntropyStats stats = new AntiEntropyStats();
    spawn(FederationStateAntiEntropy.create(local, dc, false, barrier, primary, () -> "repl-token", fast(), stats));
    FakePrimary.UpsertCall call = calls.expectMessageClass(FakePrimary.UpsertCall.class, Duration.ofSeconds(5));
    assertThat(stats.pushes()).as("pushes counted").isEqualTo(1);
    assertThat(call.token()).isEqualTo("repl-token");
    assertThat(call.state().datacenter()).isEqualTo(dc);
    assertThat(call.state().meshGateways()).isEqualTo(catalogGateways());
    assertThat(call.state().updatedAt()).isNotNull();
    // It went to the primary (the call is reported before the primary's store has it), not into the
    // secondary's own store.
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(get(primaryStore, dc)).isNotNull().satisfies(s -> assertThat(s.meshGateways()).hasSize(1)));
    assertThat(get(local, dc)).isNull();

    // A catalog change in the secondary is pushed again.
    registerGateway(local, dc, "gw1", 8443, HealthCheck.CRITICAL);
    FakePrimary.UpsertCall again = calls.expectMessageClass(FakePrimary.UpsertCall.class, Duration.ofSeconds(5));
    assertThat(again.state().meshGateways().get(0).checks().get(0).status()).isEqualTo(HealthCheck.CRITICAL);
    assertThat(stats.pushes()).isEqualTo(2);
  }

  @Test
  void nothingIsPushedWhenTheStoredRecordHasTheSameGatewaysInAnotherOrder() {
    barrier.open.set(true);
    registerGateway(local, dc, "gw1", 8443, HealthCheck.PASSING);
    registerGateway(local, dc, "gw2", 8444, HealthCheck.PASSING);
    List<CheckServiceNode> reversed = new ArrayList<>(catalogGateways());
    Collections.reverse(reversed);
    // The replicated copy of our record: other order, other indexes, an old updatedAt.
    upsert(local, new FederationState(dc, reversed, Instant.parse("2020-01-01T00:00:00Z"), 3, 0, 0));
    startSecondary();
    calls.expectNoMessage(Duration.ofSeconds(1));

    registerGateway(local, dc, "gw3", 8445, HealthCheck.PASSING);
    FakePrimary.UpsertCall call = calls.expectMessageClass(FakePrimary.UpsertCall.class, Duration.ofSeconds(5));
    assertThat(call.state().meshGateways()).hasSize(3);
  }

  @Test
  void samenessIgnoresOrderIndexesAndUpdatedAtButNotCheckStatus() {
    CheckServiceNode a = gateway("dc1", "gw-a", 1, HealthCheck.PASSING);
    CheckServiceNode b = gateway("dc1", "gw-b", 2, HealthCheck.PASSING);
    FederationState one = new FederationState("dc1", List.of(a, b), Instant.now(), 1, 2, 3);
    FederationState other = new FederationState("dc1", List.of(b, a), null, 0, 0, 0);
    assertThat(AntiEntropyCore.sameGateways(one, other)).isTrue();
    FederationState critical = state("dc1", a, gateway("dc1", "gw-b", 2, HealthCheck.CRITICAL));
    assertThat(AntiEntropyCore.sameGateways(one, critical)).isFalse();
    assertThat(AntiEntropyCore.sameGateways(one, state("dc1", a))).isFalse();
    assertThat(AntiEntropyCore.sameGateways(one, state("dc2", a, b))).isFalse();
  }

  @Test
  void storedFederationStatesLatchTheBarrierAndAClosedBarrierPushesNothing() {
    registerGateway(local, dc, "gw1", 8443, HealthCheck.PASSING);
    // Empty store, barrier closed: nothing is latched and nothing pushed.
    var closed = spawn(FederationStateAntiEntropy.create(local, dc, false, barrier, primary,
        () -> "repl-token", fast()));
    calls.expectNoMessage(Duration.ofMillis(500));
    assertThat(barrier.latched.get()).isFalse();
    fx.kit.stop(closed);

    // A stored record (replicated before a restart) latches it: the routine goes ahead.
    upsert(local, state("dc-other", gateway("dc-other", "gw-o", 8443, HealthCheck.PASSING)));
    startSecondary();
    FakePrimary.UpsertCall call = calls.expectMessageClass(FakePrimary.UpsertCall.class, Duration.ofSeconds(5));
    assertThat(call.state().datacenter()).isEqualTo(dc);
    assertThat(barrier.latched.get()).isTrue();
  }

  @Test
  void aBarrierThatOpensLaterStartsTheSync() {
    registerGateway(local, dc, "gw1", 8443, HealthCheck.PASSING);
    startSecondary();
    calls.expectNoMessage(Duration.ofMillis(300));
    barrier.open.set(true);
    calls.expectMessageClass(FakePrimary.UpsertCall.class, Duration.ofSeconds(5));
  }

  @Test
  void aFailedPushIsRetriedAfterABackoff() {
    barrier.open.set(true);
    primary.failUpsert = n -> n == 1;
    registerGateway(local, dc, "gw1", 8443, HealthCheck.PASSING);
    startSecondary();
    calls.expectMessageClass(FakePrimary.UpsertCall.class, Duration.ofSeconds(5));
    // The wait itself is AntiEntropyCoreTest's; here, that the retry comes and succeeds.
    calls.expectMessageClass(FakePrimary.UpsertCall.class, Duration.ofSeconds(5));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> get(primaryStore, dc) != null);
  }

  @Test
  void stoppingCancelsThePendingRetry() {
    barrier.open.set(true);
    primary.failUpsert = n -> true;
    registerGateway(local, dc, "gw1", 8443, HealthCheck.PASSING);
    var routine = spawn(FederationStateAntiEntropy.create(local, dc, false, barrier, primary, () -> "repl-token",
        fast()));
    calls.expectMessageClass(FakePrimary.UpsertCall.class, Duration.ofSeconds(5));
    fx.kit.stop(routine);
    // The retry was due 200 ms after the failure; nothing comes, and a catalog change wakes nothing.
    registerGateway(local, dc, "gw2", 8444, HealthCheck.PASSING);
    calls.expectNoMessage(Duration.ofMillis(800));
  }
}
