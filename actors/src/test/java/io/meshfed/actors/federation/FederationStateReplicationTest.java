package io.meshfed.actors.federation;

import io.meshfed.actors.time.Backoff;
import static io.meshfed.actors.federation.FederationFixture.byDc;
import static io.meshfed.actors.federation.FederationFixture.delete;
import static io.meshfed.actors.federation.FederationFixture.gateway;
import static io.meshfed.actors.federation.FederationFixture.get;
import static io.meshfed.actors.federation.FederationFixture.state;
import static io.meshfed.actors.federation.FederationFixture.upsert;
import static io.meshfed.actors.federation.FederationFixture.uniqueDc;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.leader.RoutineManager;
import io.meshfed.actors.leader.RoutineSpec;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import io.meshfed.transport.metrics.Meters;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Replication against a real primary store (behind a fake of the cross-DC hop) into a real secondary store. */
class FederationStateReplicationTest extends FederationRoutineTestBase {
  private StoreClient primaryStore;
  private StoreClient secondaryStore;
  private TestProbe<Object> calls;
  private TestProbe<String> signals;
  private FakePrimary primary;
  private final AtomicReference<String> token = new AtomicReference<>("repl-1");
  private final AtomicBoolean supported = new AtomicBoolean(true);
  private final AtomicLong primaryArrivals = new AtomicLong();
  private ReplicationStatusHolder status;

  @BeforeEach
  void freshStores() {
    primaryStore = fx.store(uniqueDc("primary"));
    secondaryStore = fx.store(uniqueDc("secondary"));
    calls = fx.kit.createTestProbe();
    signals = fx.kit.createTestProbe();
    primary = new FakePrimary(primaryStore, calls);
    token.set("repl-1");
    supported.set(true);
    status = new ReplicationStatusHolder();
  }

  private ActorRef<IndexReplication.Command> start(FederationStateReplication.Settings settings) {
    return spawnRoutine(FederationStateReplication.create(
        secondaryStore, primary, token::get, supported::get, FederationFixture.signalTo(signals), status,
        primaryArrivals::get, settings));
  }

  private static FederationStateReplication.Settings fast() {
    return FederationStateReplication.Settings.defaults()
        .withRetry(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2), 0.1), new Random(42))
        .withShortRetries(Duration.ofMillis(100), Duration.ofMillis(100));
  }

  private FakePrimary.ListCall nextList() {
    return calls.expectMessageClass(FakePrimary.ListCall.class, Duration.ofSeconds(10));
  }

  /**
   * The watchdog, with a read wedged in the primary while its index moves: noticed a step timeout after
   * the read's longest wait, logged once with the reason by the routine runner, counted, the read
   * cancelled, and a fresh instance replicates the change.
   */
  @Test
  void aWedgedReadIsNoticedLoggedOnceCountedAndTheRoutineRestarted() {
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a1", 8443, HealthCheck.PASSING)));
    primary.wedgeList = n -> n == 2;
    FederationStateReplication.Settings settings = fast().withQueryWait(Duration.ofSeconds(1))
        .withStepTimeout(Duration.ofSeconds(1));
    ActorRef<RoutineManager.Command> routines = spawnRoutine(RoutineManager.create());
    String warning = "routine " + FederationStateReplication.NAME + " failed, restarting in ";
    LoggingTestKit.warn(warning).withMessageRegex(java.util.regex.Pattern.quote(warning) + "\\d+ ms: ReplicationWedged: "
        + java.util.regex.Pattern.quote("the primary has not answered a read of federation states 1s after its "
        + "longest wait (1.062s)")).withOccurrences(1).expect(fx.kit.system(), () -> {
          routines.tell(new RoutineManager.Start(new RoutineSpec(FederationStateReplication.NAME,
              () -> FederationStateReplication.create(secondaryStore, primary, token::get, supported::get,
                  FederationFixture.signalTo(signals), status, primaryArrivals::get, settings),
              new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.0)),
              fx.kit.<org.apache.pekko.pattern.StatusReply<org.apache.pekko.Done>>createTestProbe().ref()));
          assertThat(nextList().minIndex()).isZero();
          FakePrimary.ListCall parked = nextList();
          assertThat(parked.number()).isEqualTo(2);
          // The primary's index moves past the parked read, which never answers.
          upsert(primaryStore, state("dc-b", gateway("dc-b", "gw-b1", 8443, HealthCheck.PASSING)));
          Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status.wedged() == 1);
          return null;
        });
    assertThat(primary.wedged).singleElement().satisfies(read -> assertThat(read.isCancelled()).isTrue());
    // A fresh instance syncs in full and catches up.
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(byDc(secondaryStore).keySet()).containsExactly("dc-a", "dc-b");
      assertThat(status.get().healthy()).isTrue();
    });
    assertThat(status.wedged()).isEqualTo(1);
    fx.kit.stop(routines);
  }

  /**
   * Every read tells the primary what this DC holds of the primary's own record, as it is after the
   * rounds before: nothing at first, then the copy with the primary's modify index, then the next one.
   */
  @Test
  void everyReadCarriesThisDcsCopyOfThePrimarysOwnRecord() {
    long first = upsert(primaryStore, state(FakePrimary.DATACENTER,
        gateway(FakePrimary.DATACENTER, "gw-a1", 8443, HealthCheck.PASSING)));
    start(fast());
    assertThat(nextList().primaryCopy()).isNull();
    FakePrimary.ListCall second = nextList();
    assertThat(second.primaryCopy().primaryModifyIndex()).isEqualTo(first);
    assertThat(second.primaryCopy().meshGateways()).extracting(g -> g.node().node()).containsExactly("gw-a1");
    long next = upsert(primaryStore, state(FakePrimary.DATACENTER,
        gateway(FakePrimary.DATACENTER, "gw-a2", 8443, HealthCheck.PASSING)));
    FakePrimary.ListCall third = nextList();
    assertThat(third.primaryCopy().primaryModifyIndex()).isEqualTo(next);
    assertThat(third.primaryCopy().meshGateways()).extracting(g -> g.node().node()).containsExactly("gw-a2");
  }

  @Test
  void aRecordThisStoreRefusesIsLeftOutAndTheOthersStillReplicate() {
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a1", 8443, HealthCheck.PASSING)));
    // As a primary that stored it before today's limits would serve it: a gateway port of 70000.
    FederationState invalid = state("dc-bad", gateway("dc-bad", "gw-bad", 70_000, HealthCheck.PASSING))
        .withIndexes(0, 2, 2);
    primary.answer = states -> {
      List<FederationState> withInvalid = new ArrayList<>(states);
      withInvalid.add(invalid);
      return withInvalid;
    };
    start(fast());
    signals.expectMessage("started");
    signals.expectMessage("ok");
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(byDc(secondaryStore)).containsKey("dc-a").doesNotContainKey("dc-bad");
      assertThat(status.get().healthy()).isTrue();
      assertThat(status.get().consecutiveFailures()).isZero();
    });
  }

  @Test
  void fullSyncCopiesEveryRecordWithThePrimarysModifyIndexAndDeletesLocalOnlyOnes() {
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a1", 8443, HealthCheck.PASSING)));
    upsert(primaryStore, state("dc-b", gateway("dc-b", "gw-b1", 8443, HealthCheck.PASSING),
        gateway("dc-b", "gw-b2", 8444, HealthCheck.CRITICAL)));
    // Extra writes in the secondary make its local indexes differ from the primary's.
    upsert(secondaryStore, state("dc-gone", gateway("dc-gone", "gw-x", 8443, HealthCheck.PASSING)));
    upsert(secondaryStore, state("dc-gone2"));
    upsert(secondaryStore, state("dc-a"));

    start(fast());
    signals.expectMessage("started");
    signals.expectMessage("ok");
    assertThat(nextList().minIndex()).isZero();

    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(byDc(secondaryStore).keySet()).containsExactly("dc-a", "dc-b"));
    Map<String, FederationState> remote = byDc(primaryStore);
    Map<String, FederationState> local = byDc(secondaryStore);
    for (String dc : List.of("dc-a", "dc-b")) {
      assertThat(local.get(dc).primaryModifyIndex()).isEqualTo(remote.get(dc).modifyIndex());
      assertThat(local.get(dc).meshGateways()).isEqualTo(remote.get(dc).meshGateways());
      assertThat(local.get(dc).updatedAt()).isEqualTo(remote.get(dc).updatedAt());
    }
    // Consul's assertion: with the local raft indexes zeroed, the records are identical.
    assertThat(local.get("dc-b").withIndexes(local.get("dc-b").primaryModifyIndex(), 0, 0))
        .isEqualTo(remote.get("dc-b").withIndexes(remote.get("dc-b").primaryModifyIndex(), 0, 0));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> status.get().healthy());
    assertThat(status.get().remoteIndex()).isEqualTo(FederationFixture.list(primaryStore).index());
  }

  /**
   * Round times by outcome, and the propagation of each new version of a record, once: the full sync
   * after a failed round rewrites every record, but those it already held are not news.
   */
  @Test
  void roundsAndEachNewVersionsPropagationAreTimedButAFullSyncsRewritesAreNot() {
    Meters meters = new Meters();
    status = new ReplicationStatusHolder(meters, "federation-states");
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a1", 8443, HealthCheck.PASSING)));
    upsert(primaryStore, state("dc-b", gateway("dc-b", "gw-b1", 8443, HealthCheck.PASSING)));
    primary.failList = n -> n == 2;
    start(fast().withQueryWait(Duration.ofMillis(100)));
    signals.expectMessage("started");
    signals.expectMessage("ok");
    signals.expectMessage("error: primary unreachable (call 2)");
    signals.expectMessage("ok");
    // the recovery's full sync has rewritten both (their local modify index moved) and ended its round
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(meters.scrape())
        .containsPattern("meshfed_replication_round_duration_seconds_count\\{outcome=\"ok\",table=\"federation-states\"\\}"
            + " [2-9]"));
    assertThat(meters.scrape())
        .contains("meshfed_federation_state_propagation_delay_seconds_count{datacenter=\"dc-a\"} 1\n")
        .contains("meshfed_federation_state_propagation_delay_seconds_count{datacenter=\"dc-b\"} 1\n");

    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a2", 9443, HealthCheck.PASSING)));
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(meters.scrape())
        .contains("meshfed_federation_state_propagation_delay_seconds_count{datacenter=\"dc-a\"} 2\n")
        .contains("meshfed_federation_state_propagation_delay_seconds_count{datacenter=\"dc-b\"} 1\n"));
  }

  @Test
  void aChangeInThePrimaryReachesTheSecondaryPromptlyAndOnlyChangedRecordsAreRewritten() {
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a1", 8443, HealthCheck.PASSING)));
    upsert(primaryStore, state("dc-b", gateway("dc-b", "gw-b1", 8443, HealthCheck.PASSING)));
    start(fast());
    signals.expectMessage("started");
    signals.expectMessage("ok");
    assertThat(nextList().minIndex()).isZero();
    // The next fetch is a blocking query from the primary's index: the watch.
    FakePrimary.ListCall parked = nextList();
    assertThat(parked.minIndex()).isEqualTo(FederationFixture.list(primaryStore).index());
    // Each read sent to the primary is a round of the metric; the parked one is the second.
    assertThat(status.rounds()).isEqualTo(2);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> byDc(secondaryStore).size() == 2);
    long dcBLocalModify = get(secondaryStore, "dc-b").modifyIndex();

    token.set("repl-2");
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a2", 9443, HealthCheck.PASSING)));
    Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10)).until(() ->
        get(secondaryStore, "dc-a").meshGateways().get(0).node().node().equals("gw-a2"));
    assertThat(get(secondaryStore, "dc-a").primaryModifyIndex()).isEqualTo(get(primaryStore, "dc-a").modifyIndex());
    // Incremental: dc-b did not change in the primary, so it was not rewritten here.
    assertThat(get(secondaryStore, "dc-b").modifyIndex()).isEqualTo(dcBLocalModify);
    // The token is read for every fetch: the one after the change carries the new token.
    assertThat(nextList().token()).isEqualTo("repl-2");

    delete(primaryStore, "dc-b");
    Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10)).until(() ->
        get(secondaryStore, "dc-b") == null);
    assertThat(get(secondaryStore, "dc-a")).isNotNull();
  }

  @Test
  void aRemoteIndexThatMovesBackwardsForcesAFullSync() {
    for (int i = 0; i < 5; i++) {
      upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a" + i, 8443, HealthCheck.PASSING)));
    }
    upsert(primaryStore, state("dc-b", gateway("dc-b", "gw-b1", 8443, HealthCheck.PASSING)));
    // Short query wait: a rebuilt primary answers a query from a higher index only when it expires.
    start(fast().withQueryWait(Duration.ofMillis(300)));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> byDc(secondaryStore).size() == 2);
    long oldIndex = status.get().remoteIndex();

    // The primary is rebuilt: fewer writes, so lower indexes, and its dc-a record's modify index is
    // below the index this secondary replicated to — only a full sync rewrites it.
    StoreClient rebuilt = fx.store(uniqueDc("rebuilt"));
    upsert(rebuilt, state("dc-a", gateway("dc-a", "gw-new", 7443, HealthCheck.PASSING)));
    assertThat(FederationFixture.list(rebuilt).index()).isLessThan(oldIndex);
    primary.store.set(rebuilt);

    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      Map<String, FederationState> local = byDc(secondaryStore);
      assertThat(local.keySet()).containsExactly("dc-a");
      assertThat(local.get("dc-a").meshGateways().get(0).node().node()).isEqualTo("gw-new");
    });
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
        status.get().remoteIndex() == FederationFixture.list(rebuilt).index());
  }

  /** The waits themselves are ReplicationCoreTest's; here, what a failed round does to the locator and the status. */
  @Test
  void anErrorTellsTheLocatorIsPublishedAndForcesAFullSyncThenSuccessResetsTheCount() {
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a1", 8443, HealthCheck.PASSING)));
    primary.failList = n -> n == 2 || n == 3;
    // Short query wait so that call 2 comes soon after call 1's round.
    start(fast().withQueryWait(Duration.ofMillis(100)));
    signals.expectMessage("started");
    signals.expectMessage("ok");
    FakePrimary.ListCall first = nextList();
    FakePrimary.ListCall failed1 = nextList();
    assertThat(failed1.minIndex()).isPositive();
    signals.expectMessage("error: primary unreachable (call 2)");
    nextList();
    signals.expectMessage("error: primary unreachable (call 3)");
    // The signal is told before the status is published: wait for it.
    Awaitility.await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(status.get().consecutiveFailures()).isEqualTo(2);
      assertThat(status.get().lastError())
          .isEqualTo("failed to retrieve federation states: primary unreachable (call 3)");
      assertThat(status.get().healthy()).isFalse();
    });
    FakePrimary.ListCall recovered = nextList();
    signals.expectMessage("ok");
    // An error forces a full sync: the retry fetches from index 0.
    assertThat(recovered.minIndex()).isZero();
    assertThat(first.number()).isEqualTo(1);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> status.get().healthy());
    assertThat(status.get().consecutiveFailures()).isZero();
    assertThat(status.get().lastErrorAt()).isNotNull().isBeforeOrEqualTo(status.get().lastSuccessAt());
  }

  /**
   * A fresh secondary whose path to the primary does not exist yet (no gateway known, or its gateway
   * cannot route the primary's names yet): rounds that get no answer are retried promptly, so
   * replication follows as soon as the path exists. With the primary's backoff, the retry after the
   * fourth failure would come 8 s later.
   */
  @Test
  void roundsThatFindNoPathAreRetriedPromptlySoReplicationFollowsThePathAtOnce() {
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a1", 8443, HealthCheck.PASSING)));
    AtomicBoolean pathUp = new AtomicBoolean();
    primary.failList = n -> !pathUp.get();
    primary.listError = n -> new ApiException(ApiException.Code.UNAVAILABLE, "datacenter dc1 did not answer: cannot "
        + "connect (call " + n + "): the connection closed before the handshake completed");
    start(FederationStateReplication.Settings.defaults().withRate(100, 5)
        .withShortRetries(Duration.ofMillis(100), Duration.ofMillis(100)));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status.get().consecutiveFailures() >= 4);
    assertThat(byDc(secondaryStore)).isEmpty();
    pathUp.set(true);
    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> status.get().healthy());
    assertThat(byDc(secondaryStore)).containsKey("dc-a");
  }

  /**
   * A partition heals: a server of the primary is alive again in the WAN view while replication
   * waits out a long backoff. The next round starts within the watch's second, not the backoff's
   * 60 s, which the 10 s wait for the next call would not outlast.
   */
  @Test
  void aPrimaryServerAliveAgainEndsTheBackoff() {
    primary.failList = n -> n == 2;
    start(FederationStateReplication.Settings.defaults().withQueryWait(Duration.ofMillis(100)).withRate(100, 5)
        .withRetry(new Backoff(Duration.ofSeconds(60), Duration.ofSeconds(120), 0), new Random(42)));
    nextList();
    FakePrimary.ListCall failed = nextList();
    signals.expectMessage("started");
    signals.expectMessage("ok");
    signals.expectMessage("error: primary unreachable (call 2)");
    primaryArrivals.incrementAndGet();
    // Within the 10 s wait for the call, where the backoff alone would take 60 s.
    assertThat(nextList().number()).isEqualTo(failed.number() + 1);
    signals.expectMessage("ok");
  }

  @Test
  void aClosedBarrierFailsEveryRoundWithConsulsErrorAndTellsTheLocatorNothing() {
    upsert(primaryStore, state("dc-a", gateway("dc-a", "gw-a1", 8443, HealthCheck.PASSING)));
    supported.set(false);
    start(fast());
    signals.expectMessage("started");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> status.get().consecutiveFailures() >= 2);
    assertThat(status.get().lastError()).isEqualTo(
        "Not all servers in the datacenter support federation states - preventing replication");
    assertThat(status.get().lastError()).isEqualTo(FederationStateReplication.NOT_SUPPORTED);
    signals.expectNoMessage(Duration.ofMillis(300));
    calls.expectNoMessage(Duration.ZERO);
    assertThat(byDc(secondaryStore)).isEmpty();

    supported.set(true);
    signals.expectMessage(Duration.ofSeconds(10), "ok");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> byDc(secondaryStore).containsKey("dc-a"));
  }

  @Test
  void stoppingLeavesNoTimerAndIgnoresAParkedReadsLateAnswer() {
    // A failing routine sits in its retry timer: stopping must cancel it.
    primary.failList = n -> true;
    ActorRef<IndexReplication.Command> failing = start(fast());
    signals.expectMessage("started");
    nextList();
    signals.expectMessage("error: primary unreachable (call 1)");
    fx.kit.stop(failing);
    signals.expectMessage("stopped");
    assertThat(status.get().running()).isFalse();
    calls.expectNoMessage(Duration.ofMillis(800));

    // A healthy routine sits in a parked blocking read: the answer after the stop changes nothing.
    primary.failList = n -> false;
    calls.receiveSeveralMessages(0);
    ActorRef<IndexReplication.Command> parked = start(fast());
    signals.expectMessage("started");
    signals.expectMessage("ok");
    nextList();
    assertThat(nextList().minIndex()).isPositive();
    fx.kit.stop(parked);
    signals.expectMessage("stopped");
    upsert(primaryStore, state("dc-late", gateway("dc-late", "gw-l", 8443, HealthCheck.PASSING)));
    calls.expectNoMessage(Duration.ofMillis(800));
    signals.expectNoMessage(Duration.ZERO);
    assertThat(byDc(secondaryStore)).doesNotContainKey("dc-late");
  }
}
