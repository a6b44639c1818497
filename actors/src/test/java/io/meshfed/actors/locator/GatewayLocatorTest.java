package io.meshfed.actors.locator;

import static io.meshfed.actors.locator.LocatorFixtures.TIMEOUT;
import static io.meshfed.actors.locator.LocatorFixtures.gateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.actors.locator.LocatorFixtures.Store;
import io.meshfed.actors.time.TestClock;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway locator's rules, one test each, against a real DC store fed
 * with federation states. Each test has its own DC names, hence its own store, in one shared system.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayLocatorTest {
  private static final Duration FAST = Duration.ofMillis(200);
  private static final AtomicInteger SEQ = new AtomicInteger();

  @TempDir Path dir;
  private ActorTestKit kit;
  private String primary;
  private String secondary;
  private String other;
  private LocatorLogs logs;

  @BeforeAll
  void startSystem(@TempDir Path journal) {
    kit = LocatorFixtures.system("locator-test", journal, true);
  }

  @AfterAll
  void stopSystem() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void names() {
    int n = SEQ.incrementAndGet();
    primary = "p" + n;
    secondary = "s" + n;
    other = "o" + n;
    logs = new LocatorLogs();
  }

  @AfterEach
  void closeLogs() {
    logs.close();
  }

  /** A started locator and what it talks to. */
  private record Started(ActorRef<GatewayLocator.Command> ref, GatewayLocatorView view, ScriptedProbe probe,
                         Store store, AtomicInteger barrier) {
    List<String> gateways(String dc) {
      return view.gateways(dc).stream().map(a -> a.getHostString() + ":" + a.getPort()).toList();
    }
  }

  private Started start(String dc, List<String> primaryGateways, GatewayLocator.HostResolver resolver) {
    Store store = Store.start(kit, dc);
    return start(kit, store, dc, primaryGateways, resolver);
  }

  private Started start(ActorTestKit system, Store store, String dc, List<String> primaryGateways,
      GatewayLocator.HostResolver resolver) {
    GatewayLocatorView view = new GatewayLocatorView(dc, primary);
    ScriptedProbe probe = new ScriptedProbe();
    AtomicInteger barrier = new AtomicInteger();
    GatewayLocator.Settings settings = new GatewayLocator.Settings(dc, primary, "meshfed", primaryGateways, FAST,
        FAST, Duration.ofSeconds(1), Duration.ofSeconds(5));
    ActorRef<GatewayLocator.Command> ref = system.spawn(GatewayLocator.create(settings, store.client(), probe,
        resolver, view, barrier::incrementAndGet));
    return new Started(ref, view, probe, store, barrier);
  }

  private Started secondary() {
    return start(secondary, List.of(), GatewayLocator.HostResolver.DNS);
  }

  private static void awaitPopulated(Started s) {
    await().atMost(TIMEOUT).until(() -> s.view().snapshot().populated());
  }

  private static void failTimes(GatewayLocatorView view, int n) {
    for (int i = 0; i < n; i++) {
      view.replicationResult(new RuntimeException("replication round " + i + " failed"));
    }
  }

  @Test
  void nothingIsReturnedBeforeTheFirstSuccessfulRead(@TempDir Path journal) {
    // A server whose DC has not formed yet cannot read its store: the locator knows nothing, even
    // with a fallback list for the primary already resolved (Consul's populatedGateways gate).
    ActorTestKit unjoined = LocatorFixtures.system("locator-unjoined", journal, false);
    try {
      Store store = Store.start(unjoined, secondary);
      Started s = start(unjoined, store, secondary, List.of("localhost:8443"), GatewayLocator.HostResolver.DNS);
      await().atMost(TIMEOUT).until(() -> !s.view().snapshot().fallback().isEmpty());
      assertThat(s.view().snapshot().populated()).isFalse();
      assertThat(s.gateways(primary)).isEmpty();
      assertThat(s.gateways(other)).isEmpty();

      LocatorFixtures.join(unjoined);
      awaitPopulated(s);
      assertThat(s.gateways(primary)).containsExactly("localhost:8443");
    } finally {
      unjoined.shutdownTestKit();
    }
  }

  @Test
  void nonPrimaryDcsAreReachedThroughLocalGatewaysAtTheirLanAddresses() {
    Started s = secondary();
    s.store().upsert(secondary,
        gateway("gw-c", "10.9.9.3", "", Map.of(), true, HealthCheck.PASSING),                  // node address
        gateway("gw-b", "10.9.9.2", "10.0.0.2", Map.of(), true, HealthCheck.PASSING),          // service address
        gateway("gw-a", "10.9.9.1", "10.0.0.1", Map.of(NodeService.TAG_LAN,                    // tagged lan
            new ServiceAddress("192.168.0.1", 7443)), true, HealthCheck.PASSING),
        gateway("gw-6", "10.9.9.6", "fd00::6", Map.of(), true, HealthCheck.PASSING));          // IPv6
    s.store().upsert(primary, gateway("gw-p", 9));
    await().atMost(TIMEOUT).until(() -> s.view().snapshot().local().size() == 4);

    assertThat(s.view().snapshot().local())
        .containsExactly("10.0.0.2:8443", "10.9.9.3:8443", "192.168.0.1:7443", "[fd00::6]:8443");
    assertThat(s.gateways(other)).containsExactly("10.0.0.2:8443", "10.9.9.3:8443", "192.168.0.1:7443",
        "fd00::6:8443");
    assertThat(s.view().gateways(other)).allMatch(InetSocketAddress::isUnresolved);
    assertThat(s.view().snapshot().primary()).containsExactly("203.0.113.9:443");
  }

  @Test
  void aSecondaryReachesThePrimaryThroughItsLocalGateways() {
    Started s = secondary();
    s.store().upsert(secondary, gateway("gw-1", 1));
    s.store().upsert(primary, gateway("gw-p", 9));
    await().atMost(TIMEOUT).until(() -> !s.view().snapshot().primary().isEmpty());

    assertThat(s.view().dialPrimaryThroughLocalGateway()).isTrue();
    assertThat(s.gateways(primary)).containsExactly("10.0.0.1:8443");
  }

  @Test
  void threeReplicationFailuresDialThePrimaryDirectlyAndOneSuccessComesBack() {
    Started s = start(secondary, List.of("203.0.113.9:443", "198.51.100.1:443"), GatewayLocator.HostResolver.DNS);
    s.store().upsert(secondary, gateway("gw-1", 1));
    s.store().upsert(primary, gateway("gw-p9", 9), gateway("gw-p8", 8));
    await().atMost(TIMEOUT).until(() -> s.view().snapshot().primary().size() == 2
        && s.view().snapshot().fallback().size() == 2);

    s.view().replicationStarted();
    failTimes(s.view(), 2);
    assertThat(s.gateways(primary)).containsExactly("10.0.0.1:8443");
    failTimes(s.view(), 1);
    // The union of replicated and configured addresses, sorted, 203.0.113.9:443 once.
    assertThat(s.gateways(primary)).containsExactly("198.51.100.1:443", "203.0.113.8:443", "203.0.113.9:443");
    assertThat(s.gateways(other)).containsExactly("10.0.0.1:8443");

    s.view().replicationResult(null);
    assertThat(s.gateways(primary)).containsExactly("10.0.0.1:8443");
  }

  @Test
  void followersWithoutTheSignalTrustTheirLocalGateways() {
    Started s = secondary();
    s.store().upsert(secondary, gateway("gw-1", 1));
    s.store().upsert(primary, gateway("gw-p", 9));
    awaitPopulated(s);
    await().atMost(TIMEOUT).until(() -> !s.view().snapshot().local().isEmpty());

    // Results without a start (not the leader) are no signal.
    failTimes(s.view(), 5);
    assertThat(s.gateways(primary)).containsExactly("10.0.0.1:8443");
    // A leader that loses leadership stops using the signal, even after failures.
    s.view().replicationStarted();
    failTimes(s.view(), 3);
    assertThat(s.gateways(primary)).containsExactly("203.0.113.9:443");
    s.view().replicationStopped();
    assertThat(s.gateways(primary)).containsExactly("10.0.0.1:8443");
    assertThat(s.view().snapshot().replicationSignalInUse()).isFalse();
  }

  @Test
  void withoutLocalGatewaysThePrimaryIsDialedThroughItsOwn() {
    Started s = start(secondary, List.of("198.51.100.1:443"), GatewayLocator.HostResolver.DNS);
    s.store().upsert(primary, gateway("gw-p", 9));
    await().atMost(TIMEOUT).until(() -> !s.view().snapshot().primary().isEmpty()
        && !s.view().snapshot().fallback().isEmpty());
    assertThat(s.view().dialPrimaryThroughLocalGateway()).isTrue();
    assertThat(s.gateways(primary)).containsExactly("198.51.100.1:443", "203.0.113.9:443");
    assertThat(s.gateways(other)).isEmpty();
  }

  @Test
  void inThePrimaryThePrimaryListIsItsOwnWanAddressesAndSignalsChangeNothing() {
    Started s = start(primary, List.of("198.51.100.1:443"), GatewayLocator.HostResolver.DNS);
    s.store().upsert(primary, gateway("gw-2", 2), gateway("gw-1", 1));
    await().atMost(TIMEOUT).until(() -> s.view().snapshot().primary().size() == 2);

    assertThat(s.gateways(primary)).containsExactly("203.0.113.1:443", "203.0.113.2:443");
    assertThat(s.gateways(other)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");
    s.view().replicationStarted();
    failTimes(s.view(), 3);
    s.view().replicationResult(null);
    assertThat(s.view().dialPrimaryThroughLocalGateway()).isFalse();
    assertThat(logs.containing("will dial the primary datacenter")).isEmpty();
    // The primary never discovers primary-gateways (it is the primary).
    assertThat(s.view().snapshot().fallback()).isEmpty();
  }

  @Test
  void onlyOptedInGatewaysAreUsed() {
    Started s = secondary();
    s.store().upsert(secondary, gateway("gw-1", 1),
        gateway("gw-2", "10.9.9.2", "10.0.0.2", Map.of(), false, HealthCheck.PASSING));
    awaitPopulated(s);
    await().atMost(TIMEOUT).until(() -> !s.view().snapshot().local().isEmpty());
    assertThat(s.gateways(other)).containsExactly("10.0.0.1:8443");
  }

  @Test
  void aCriticalCheckExcludesAGatewayAndAWarningDoesNot() {
    Started s = secondary();
    s.store().upsert(secondary, gateway("gw-1", 1, HealthCheck.CRITICAL), gateway("gw-2", 2, HealthCheck.WARNING),
        gateway("gw-3", 3, HealthCheck.PASSING));
    await().atMost(TIMEOUT).until(() -> !s.view().snapshot().local().isEmpty());
    assertThat(s.gateways(other)).containsExactly("10.0.0.2:8443", "10.0.0.3:8443");

    s.store().upsert(secondary, gateway("gw-1", 1), gateway("gw-2", 2, HealthCheck.CRITICAL),
        gateway("gw-3", 3, HealthCheck.PASSING));
    await().atMost(TIMEOUT).untilAsserted(() ->
        assertThat(s.gateways(other)).containsExactly("10.0.0.1:8443", "10.0.0.3:8443"));
  }

  @Test
  void theBarrierIsLatchedOnceWhenAFederationStateIsSeen() {
    Started s = secondary();
    awaitPopulated(s);
    assertThat(s.barrier().get()).isZero();

    s.store().upsert(other, gateway("gw-o", 5));
    await().atMost(TIMEOUT).until(() -> s.barrier().get() == 1);
    s.store().upsert(secondary, gateway("gw-1", 1));
    await().atMost(TIMEOUT).until(() -> !s.view().snapshot().local().isEmpty());
    assertThat(s.barrier().get()).isEqualTo(1);
  }

  @Test
  void aGatewayFailingItsProbeIsSkippedUntilAProbeSucceeds() {
    Started s = secondary();
    s.probe().failing.add("10.0.0.1:8443");
    s.store().upsert(secondary, gateway("gw-1", 1), gateway("gw-2", 2));
    await().atMost(TIMEOUT).until(() -> s.view().snapshot().failing().contains("10.0.0.1:8443"));

    assertThat(s.gateways(other)).containsExactly("10.0.0.2:8443");
    assertThat(s.probe().calls).allMatch(c -> c.endsWith(" server." + primary + ".meshfed"));
    assertThat(logs.containing("mesh gateway 10.0.0.1:8443 failed its probe")).hasSize(1);

    s.probe().failing.clear();
    await().atMost(TIMEOUT).until(() -> s.view().snapshot().failing().isEmpty());
    assertThat(s.gateways(other)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");
    assertThat(logs.containing("mesh gateway 10.0.0.1:8443 passes its probe again")).hasSize(1);
    // Still failing across several probe rounds was one line, not one per round.
    assertThat(logs.containing("failed its probe")).hasSize(1);
  }

  @Test
  void whenEveryCandidateFailsItsProbeAllAreUsed() {
    Started s = secondary();
    s.probe().failing.addAll(List.of("10.0.0.1:8443", "10.0.0.2:8443"));
    s.store().upsert(secondary, gateway("gw-1", 1), gateway("gw-2", 2));
    await().atMost(TIMEOUT).until(() -> s.view().snapshot().failing().size() == 2);
    assertThat(s.gateways(other)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");
  }

  @Test
  void flipsAndNewLocationsAreLogged() {
    Started s = secondary();
    s.store().upsert(secondary, gateway("gw-1", 1));
    s.store().upsert(primary, gateway("gw-p", 9));
    await().atMost(TIMEOUT).until(() -> !s.view().snapshot().primary().isEmpty());
    await().atMost(TIMEOUT).until(() -> logs.lines().contains(
        "INFO new cached locations of mesh gateways: primary=[203.0.113.9:443] local=[10.0.0.1:8443]"));

    s.view().replicationStarted();
    failTimes(s.view(), 4);
    s.view().replicationResult(null);
    s.view().replicationResult(null);
    assertThat(logs.containing("will dial the primary datacenter")).containsExactly(
        "INFO will dial the primary datacenter through its mesh gateways",
        "INFO will dial the primary datacenter using our local mesh gateways if possible");
  }

  @Test
  void fallbackDiscoveryReResolvesUntilThePrimaryGatewaysArrive() throws Exception {
    int port = 18443;
    AtomicInteger lookups = new AtomicInteger();
    GatewayLocator.HostResolver flaky = host -> {
      // The first two attempts find nothing, as a name not yet in DNS would.
      if (lookups.incrementAndGet() <= 2) {
        throw new UnknownHostException(host + ": Name or service not known");
      }
      return InetAddress.getAllByName(host);
    };
    Started s = start(secondary, List.of("localhost:" + port), flaky);
    await().atMost(TIMEOUT).until(() -> !s.view().snapshot().fallback().isEmpty());

    assertThat(logs.containing("Refreshing mesh gateways failed, will retry")).hasSize(2)
        .allMatch(l -> l.startsWith("WARN "));
    assertThat(logs.containing("updated fallback list of primary mesh gateways")).containsExactly(
        "INFO updated fallback list of primary mesh gateways: [localhost:" + port + "]");
    assertThat(s.gateways(primary)).containsExactly("localhost:" + port);
    assertThat(s.view().gateways(primary)).allMatch(InetSocketAddress::isUnresolved);
    // Re-resolved while replication has delivered nothing (when, and until when: GatewayTrackerTest).
    int seen = lookups.get();
    await().atMost(TIMEOUT).until(() -> lookups.get() >= seen + 2);

    s.store().upsert(primary, gateway("gw-p", 9));
    await().atMost(TIMEOUT).until(() -> logs.lines().contains("INFO replication delivered the primary's mesh "
        + "gateways; stopped resolving meshfed.primary-gateways"));
    // The fallback stays part of the union used when dialing the primary directly.
    assertThat(s.view().snapshot().fallback()).containsExactly("localhost:" + port);
  }

  @Test
  void stoppingCancelsProbesInFlightAndClosesTheProbe() {
    Started s = secondary();
    s.probe().hang.set(true);
    s.store().upsert(secondary, gateway("gw-1", 1));
    await().atMost(TIMEOUT).until(() -> !s.probe().handedOut.isEmpty());
    GatewayLocatorView.Snapshot before = s.view().snapshot();

    kit.stop(s.ref());
    TestProbe<Object> watcher = kit.createTestProbe();
    watcher.expectTerminated(s.ref(), TIMEOUT);
    assertThat(s.probe().handedOut).allMatch(f -> f.isCancelled());
    assertThat(s.probe().closed).isTrue();

    assertThat(s.view().snapshot()).isEqualTo(before);
  }

  /**
   * The deadlines are the tracker's, on the clock the locator is given: a probe with an hour to
   * answer fails as soon as that clock says the hour has passed (the next probe round wakes the
   * tracker), however little real time went by.
   */
  @Test
  void probeDeadlinesAreMeasuredOnTheLocatorsClock() {
    TestClock clock = new TestClock(Instant.parse("2024-05-01T10:00:00Z"));
    Store store = Store.start(kit, secondary);
    GatewayLocatorView view = new GatewayLocatorView(secondary, primary);
    ScriptedProbe probe = new ScriptedProbe();
    probe.hang.set(true);
    GatewayLocator.Settings settings = new GatewayLocator.Settings(secondary, primary, "meshfed", List.of(), FAST,
        FAST, Duration.ofHours(1), Duration.ofSeconds(5));
    ActorRef<GatewayLocator.Command> ref = kit.spawn(GatewayLocator.create(settings, store.client(), probe,
        GatewayLocator.HostResolver.DNS, view, () -> { }, clock));
    store.upsert(secondary, gateway("gw-1", 1));
    await().atMost(TIMEOUT).until(() -> !probe.handedOut.isEmpty());
    assertThat(view.snapshot().failing()).isEmpty();

    clock.advance(Duration.ofHours(1));
    await().atMost(TIMEOUT).until(() -> view.snapshot().failing().contains("10.0.0.1:8443"));
    assertThat(probe.handedOut.get(0)).isCancelled();
    assertThat(logs.containing("failed its probe")).containsExactly("WARN mesh gateway 10.0.0.1:8443 failed its "
        + "probe (server." + primary + ".meshfed): no answer within 3600000 ms; skipping it until a probe succeeds");
    kit.stop(ref);
  }

  /** The actor's thread never waits for the probe to release its threads. */
  @Test
  void stoppingDoesNotWaitForTheProbeToClose() {
    Started s = secondary();
    s.probe().closing = new java.util.concurrent.CompletableFuture<>();
    s.store().upsert(secondary, gateway("gw-1", 1));
    await().atMost(TIMEOUT).until(() -> !s.probe().handedOut.isEmpty());

    kit.stop(s.ref());
    assertThat(s.probe().closed).isTrue();
    assertThat(s.probe().closing).isNotDone();
    s.probe().closing.complete(null);
  }

  @Test
  void stoppingClosesARealProbesConnectionAndItsThread() throws Exception {
    Store store = Store.start(kit, secondary);
    GatewayLocatorView view = new GatewayLocatorView(secondary, primary);
    TlsGatewayProbe probe = TlsGatewayProbe.create(new TestCerts(dir).server(secondary, "n0"), Duration.ofSeconds(30));
    GatewayLocator.Settings settings = new GatewayLocator.Settings(secondary, primary, "meshfed", List.of(), FAST,
        Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(5));
    try (SilentServer silent = new SilentServer()) {
      store.upsert(secondary, LocatorFixtures.gatewayAt("gw-1", "127.0.0.1", silent.port()));
      ActorRef<GatewayLocator.Command> ref = kit.spawn(GatewayLocator.create(settings, store.client(), probe, view,
          () -> { }));
      // The probe is stuck in its handshake (30 s timeout) when the locator stops.
      silent.accepted.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      kit.stop(ref);
      silent.closedByPeer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      await().atMost(TIMEOUT).until(() -> Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.isAlive() && t.getName().startsWith("meshfed-gateway-probe")));
    }
  }
}
