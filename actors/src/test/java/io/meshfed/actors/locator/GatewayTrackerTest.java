package io.meshfed.actors.locator;

import static io.meshfed.actors.locator.LocatorFixtures.gateway;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.locator.GatewayTracker.Action;
import io.meshfed.actors.locator.GatewayTracker.CancelProbe;
import io.meshfed.actors.locator.GatewayTracker.FederationStatesSeen;
import io.meshfed.actors.locator.GatewayTracker.Level;
import io.meshfed.actors.locator.GatewayTracker.Log;
import io.meshfed.actors.locator.GatewayTracker.Probe;
import io.meshfed.actors.locator.GatewayTracker.Publish;
import io.meshfed.actors.locator.GatewayTracker.Read;
import io.meshfed.actors.locator.GatewayTracker.Resolve;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The gateway locator's decisions and their timing, on virtual time: the tracker is driven as the
 * actor drives it (every deadline it names is ticked in order), and what it publishes goes into a
 * real view, which answers the dialers' question "which gateways for this DC".
 */
class GatewayTrackerTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final Duration INTERVAL = Duration.ofSeconds(10);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration REFRESH = Duration.ofSeconds(30);
  private static final Duration READ_WAIT = Duration.ofSeconds(30);
  private static final String PRIMARY = "dc1";
  private static final String SECONDARY = "dc2";
  private static final String OTHER = "dc3";
  private static final String FALLBACK = "gw.dc1.example:8443";

  /** A tracker of {@code dc} on virtual time, its view, and what it asked for. */
  private static final class Sim {
    final GatewayTracker tracker;
    final GatewayLocatorView view;
    Instant now = T0;
    final List<Action> actions = new ArrayList<>();
    /** Probes asked for and not answered or abandoned yet, by attempt. */
    final Map<Long, String> inFlight = new LinkedHashMap<>();
    final List<String> abandoned = new ArrayList<>();
    /** When each probe of a gateway (by text) was asked for. */
    final Map<String, List<Instant>> probedAt = new LinkedHashMap<>();
    final List<Instant> resolvedAt = new ArrayList<>();
    final List<Instant> readAt = new ArrayList<>();
    Read lastRead;
    int barrier;

    Sim(String dc, List<String> primaryGateways) {
      GatewayLocator.Settings settings = new GatewayLocator.Settings(dc, PRIMARY, "meshfed", primaryGateways, REFRESH,
          INTERVAL, TIMEOUT, READ_WAIT);
      tracker = new GatewayTracker(settings);
      view = new GatewayLocatorView(dc, PRIMARY);
      apply(tracker.start(now));
    }

    List<Action> apply(List<Action> out) {
      for (Action a : out) {
        if (a instanceof Publish p) {
          view.publish(p.learned());
        } else if (a instanceof Probe p) {
          inFlight.put(p.attempt(), p.gateway().text());
          probedAt.computeIfAbsent(p.gateway().text(), t -> new ArrayList<>()).add(now);
          assertThat(p.sni()).isEqualTo("server." + PRIMARY + ".meshfed");
        } else if (a instanceof CancelProbe c) {
          abandoned.add(inFlight.remove(c.attempt()));
        } else if (a instanceof Resolve r) {
          resolvedAt.add(now);
          assertThat(r.hostPorts()).containsExactly(FALLBACK);
        } else if (a instanceof Read r) {
          readAt.add(now);
          lastRead = r;
        } else if (a instanceof FederationStatesSeen) {
          barrier++;
        }
      }
      actions.addAll(out);
      return out;
    }

    /** Lets time pass to {@code until}, ticking at every deadline the tracker names on the way. */
    void advanceTo(Instant until) {
      Instant ticked = null;
      for (Optional<Instant> next = tracker.nextDeadline(); next.isPresent() && !next.get().isAfter(until);
          next = tracker.nextDeadline()) {
        if (ticked != null && !next.get().isAfter(ticked)) {
          throw new AssertionError("still due after the tick at " + ticked + ": " + next.get());
        }
        now = next.get().isBefore(now) ? now : next.get();
        apply(tracker.tick(now));
        ticked = now;
      }
      now = until;
    }

    void advance(Duration d) {
      advanceTo(now.plus(d));
    }

    /** One read's answer: every DC's federation state, gateways given per DC. */
    List<Action> listed(long index, Map<String, List<CheckServiceNode>> gateways) {
      List<FederationState> states = new ArrayList<>();
      gateways.forEach((dc, gws) -> states.add(new FederationState(dc, gws, null, 0, 0, 0)));
      return apply(tracker.listed(index, states, now));
    }

    /** Answers the probe in flight for {@code text}: passes when {@code failure} is null. */
    List<Action> answer(String text, String failure) {
      long attempt = inFlight.entrySet().stream().filter(e -> e.getValue().equals(text)).findFirst()
          .orElseThrow(() -> new AssertionError("no probe of " + text + " in flight: " + inFlight)).getKey();
      inFlight.remove(attempt);
      return apply(tracker.probed(attempt, failure, now));
    }

    /** Answers every probe in flight; those of {@code failing} fail. */
    void answerAll(List<String> failing) {
      for (String text : List.copyOf(inFlight.values())) {
        answer(text, failing.contains(text) ? "TLS handshake failed" : null);
      }
    }

    List<String> gateways(String dc) {
      return view.gateways(dc).stream().map(a -> a.getHostString() + ":" + a.getPort()).toList();
    }

    List<String> logs(Level level) {
      return actions.stream().filter(a -> a instanceof Log l && l.level() == level).map(a -> ((Log) a).message())
          .toList();
    }
  }

  private static Instant at(long millis) {
    return T0.plusMillis(millis);
  }

  // ---- probes: timing, timeouts, failover ----

  @Test
  void aNewGatewayIsProbedAtOnceAndThenEveryIntervalOnTheProbeSchedule() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.advance(Duration.ofSeconds(3));
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1))));
    sim.answerAll(List.of());
    for (long round : new long[] {10_000, 20_000, 30_000}) {
      sim.advanceTo(at(round - 1));
      assertThat(sim.inFlight).as("before the round at %d ms", round).isEmpty();
      sim.advanceTo(at(round));
      sim.answerAll(List.of());
    }
    // Rounds run every interval from the start; the new gateway did not wait for one.
    assertThat(sim.probedAt.get("10.0.0.1:8443")).containsExactly(at(3_000), at(10_000), at(20_000), at(30_000));
  }

  @Test
  void aRoundSkipsAGatewayWhoseProbeIsStillInFlight() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.advanceTo(at(9_000));
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1))));
    sim.advanceTo(at(10_000));
    assertThat(sim.probedAt.get("10.0.0.1:8443")).containsExactly(at(9_000));
    sim.answer("10.0.0.1:8443", null);
    sim.advanceTo(at(20_000));
    assertThat(sim.probedAt.get("10.0.0.1:8443")).containsExactly(at(9_000), at(20_000));
    assertThat(sim.tracker.failing()).isEmpty();
  }

  @Test
  void aProbeWithoutAnAnswerWithinTheTimeoutHasFailedAndIsAbandoned() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1), gateway("gw-2", 2))));
    sim.answer("10.0.0.2:8443", null);

    sim.advanceTo(at(1_999));
    assertThat(sim.tracker.failing()).isEmpty();
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");

    sim.advanceTo(at(2_000));
    assertThat(sim.abandoned).containsExactly("10.0.0.1:8443");
    assertThat(sim.tracker.failing()).containsEntry("10.0.0.1:8443", "no answer within 2000 ms");
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.2:8443");
    assertThat(sim.logs(Level.WARN)).containsExactly("mesh gateway 10.0.0.1:8443 failed its probe (server.dc1.meshfed): "
        + "no answer within 2000 ms; skipping it until a probe succeeds");
  }

  @Test
  void theAnswerOfAnAbandonedProbeIsIgnored() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1))));
    long attempt = sim.inFlight.keySet().iterator().next();
    sim.advance(TIMEOUT);
    assertThat(sim.tracker.failing()).containsKey("10.0.0.1:8443");

    assertThat(sim.tracker.probed(attempt, null, sim.now)).isEmpty();
    assertThat(sim.tracker.failing()).containsKey("10.0.0.1:8443");
  }

  @Test
  void aFailedProbeFailsOverToTheOtherGatewayUntilAProbeSucceedsAgain() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1), gateway("gw-2", 2))));
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");

    sim.answerAll(List.of("10.0.0.1:8443"));
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.2:8443");
    // Still failing over three more rounds: skipped all along, and logged once.
    for (int i = 0; i < 3; i++) {
      sim.advance(INTERVAL);
      sim.answerAll(List.of("10.0.0.1:8443"));
      assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.2:8443");
    }
    sim.advance(INTERVAL);
    sim.answerAll(List.of());
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");
    assertThat(sim.logs(Level.WARN)).containsExactly("mesh gateway 10.0.0.1:8443 failed its probe "
        + "(server.dc1.meshfed): TLS handshake failed; skipping it until a probe succeeds");
    assertThat(sim.logs(Level.INFO)).contains("mesh gateway 10.0.0.1:8443 passes its probe again "
        + "(server.dc1.meshfed); using it again");
  }

  @Test
  void whileNoGatewayPassesTheRoundsComeEverySecondAndTheIntervalReturnsOnceOnePasses() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1), gateway("gw-2", 2))));
    sim.answerAll(List.of("10.0.0.1:8443"));
    // One still passes: the next round keeps the interval.
    sim.advanceTo(at(9_999));
    assertThat(sim.inFlight).isEmpty();
    sim.advanceTo(at(10_000));
    sim.answerAll(List.of("10.0.0.1:8443", "10.0.0.2:8443"));
    // None passes (the primary's gateway not up yet, say): a round every second.
    for (long round : new long[] {11_000, 12_000, 13_000}) {
      sim.advanceTo(at(round - 1));
      assertThat(sim.inFlight).as("before the round at %d ms", round).isEmpty();
      sim.advanceTo(at(round));
      assertThat(sim.inFlight).as("the round at %d ms", round).hasSize(2);
      sim.answerAll(round < 13_000 ? List.of("10.0.0.1:8443", "10.0.0.2:8443") : List.of("10.0.0.1:8443"));
    }
    // gw-2 passed at 13 s; the round at 14 s was set while none passed; then back to the interval.
    sim.advanceTo(at(14_000));
    sim.answerAll(List.of("10.0.0.1:8443"));
    sim.advanceTo(at(23_999));
    assertThat(sim.inFlight).isEmpty();
    sim.advanceTo(at(24_000));
    assertThat(sim.inFlight).hasSize(2);
    assertThat(sim.probedAt.get("10.0.0.2:8443")).containsExactly(at(0), at(10_000), at(11_000), at(12_000),
        at(13_000), at(14_000), at(24_000));
  }

  @Test
  void aProbeTimeoutThatLeavesNoGatewayPassingBringsTheNextRoundForward() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1))));
    // No answer: failed at the timeout (2 s), the next round a second later, not at 10 s.
    sim.advanceTo(at(2_000));
    assertThat(sim.tracker.failing()).containsKey("10.0.0.1:8443");
    sim.advanceTo(at(3_000));
    assertThat(sim.probedAt.get("10.0.0.1:8443")).containsExactly(at(0), at(3_000));
  }

  @Test
  void whenEveryCandidateFailedItsProbeAllAreUsed() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1), gateway("gw-2", 2))));
    sim.answerAll(List.of("10.0.0.1:8443", "10.0.0.2:8443"));
    assertThat(sim.tracker.failing()).hasSize(2);
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");
  }

  @Test
  void aGatewayNoLongerKnownIsForgottenAndItsProbeAbandoned() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1), gateway("gw-2", 2))));
    sim.answerAll(List.of("10.0.0.1:8443"));
    sim.advance(INTERVAL);
    assertThat(sim.inFlight.values()).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");

    sim.listed(2, Map.of(SECONDARY, List.of(gateway("gw-2", 2))));
    assertThat(sim.abandoned).containsExactly("10.0.0.1:8443");
    assertThat(sim.tracker.failing()).isEmpty();
    // Learned again later, it is a new gateway: probed at once, with no old verdict.
    sim.listed(3, Map.of(SECONDARY, List.of(gateway("gw-1", 1), gateway("gw-2", 2))));
    assertThat(sim.inFlight.values()).contains("10.0.0.1:8443");
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");
  }

  // ---- which gateways for which DC ----

  @Test
  void aSecondaryReachesThePrimaryThroughItsLocalGatewaysFirstAndDirectlyAfterReplicationFails() {
    Sim sim = new Sim(SECONDARY, List.of(FALLBACK));
    sim.apply(sim.tracker.resolved(List.of(GatewayAddress.parse(FALLBACK)), List.of(), sim.now));
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1)), PRIMARY, List.of(gateway("gw-p9", 9),
        gateway("gw-p8", 8))));

    assertThat(sim.gateways(PRIMARY)).containsExactly("10.0.0.1:8443");
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.1:8443");
    sim.view.replicationStarted();
    for (int i = 0; i < GatewayLocatorView.FAILURES_BEFORE_DIALING_DIRECTLY; i++) {
      sim.view.replicationResult(new RuntimeException("round " + i));
    }
    // The primary's own WAN addresses and the fallback, sorted.
    assertThat(sim.gateways(PRIMARY)).containsExactly("203.0.113.8:443", "203.0.113.9:443", FALLBACK);
    // The primary's gateways fail their probes: skipped like any other.
    sim.answerAll(List.of("203.0.113.8:443", FALLBACK));
    assertThat(sim.gateways(PRIMARY)).containsExactly("203.0.113.9:443");
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.1:8443");
  }

  @Test
  void inThePrimaryItsOwnGatewaysAreThePrimarysAndTheLocalOnesServeOtherDcs() {
    Sim sim = new Sim(PRIMARY, List.of(FALLBACK));
    assertThat(sim.resolvedAt).isEmpty();
    sim.listed(1, Map.of(PRIMARY, List.of(gateway("gw-2", 2), gateway("gw-1", 1))));
    assertThat(sim.gateways(PRIMARY)).containsExactly("203.0.113.1:443", "203.0.113.2:443");
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.1:8443", "10.0.0.2:8443");
  }

  @Test
  void onlyOptedInGatewaysWithoutACriticalCheckAreUsed() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1, HealthCheck.CRITICAL),
        gateway("gw-2", 2, HealthCheck.WARNING), gateway("gw-3", 3),
        gateway("gw-4", "10.9.9.4", "10.0.0.4", Map.of(), false, HealthCheck.PASSING))));
    assertThat(sim.gateways(OTHER)).containsExactly("10.0.0.2:8443", "10.0.0.3:8443");
  }

  @Test
  void nothingIsReturnedBeforeTheFirstReadEvenWithAFallback() {
    Sim sim = new Sim(SECONDARY, List.of(FALLBACK));
    sim.apply(sim.tracker.resolved(List.of(GatewayAddress.parse(FALLBACK)), List.of(), sim.now));
    assertThat(sim.view.snapshot().fallback()).containsExactly(FALLBACK);
    assertThat(sim.gateways(PRIMARY)).isEmpty();

    sim.listed(1, Map.of());
    assertThat(sim.gateways(PRIMARY)).containsExactly(FALLBACK);
    assertThat(sim.view.gateways(PRIMARY)).allMatch(InetSocketAddress::isUnresolved);
  }

  // ---- fallback discovery ----

  @Test
  void theFallbackIsResolvedAtStartAndEveryIntervalAfterEachAttemptUntilThePrimaryGatewaysArrive() {
    Sim sim = new Sim(SECONDARY, List.of(FALLBACK));
    assertThat(sim.resolvedAt).containsExactly(T0);

    // The lookup takes a second and finds nothing: warned, the next one an interval later.
    sim.advance(Duration.ofSeconds(1));
    sim.apply(sim.tracker.resolved(List.of(), List.of(FALLBACK + ": Name or service not known"), sim.now));
    assertThat(sim.logs(Level.WARN)).containsExactly("Refreshing mesh gateways failed, will retry in PT30S: "
        + "No mesh gateways found (" + FALLBACK + ": Name or service not known)");
    sim.advanceTo(at(30_999));
    assertThat(sim.resolvedAt).containsExactly(T0);
    sim.advanceTo(at(31_000));
    assertThat(sim.resolvedAt).containsExactly(T0, at(31_000));

    sim.advance(Duration.ofMillis(500));
    sim.apply(sim.tracker.resolved(List.of(GatewayAddress.parse(FALLBACK)), List.of(), sim.now));
    assertThat(sim.view.snapshot().fallback()).containsExactly(FALLBACK);
    assertThat(sim.logs(Level.INFO)).contains("updated fallback list of primary mesh gateways: [" + FALLBACK + "]");

    // Found or not, it is re-resolved while replication has delivered nothing; a failed attempt
    // keeps the list.
    sim.advanceTo(at(61_500));
    assertThat(sim.resolvedAt).containsExactly(T0, at(31_000), at(61_500));
    sim.apply(sim.tracker.resolved(List.of(), List.of("DNS down"), sim.now));
    assertThat(sim.view.snapshot().fallback()).containsExactly(FALLBACK);

    sim.advance(Duration.ofSeconds(10));
    sim.listed(1, Map.of(PRIMARY, List.of(gateway("gw-p", 9))));
    assertThat(sim.logs(Level.INFO)).contains(
        "replication delivered the primary's mesh gateways; stopped resolving meshfed.primary-gateways");
    sim.advance(Duration.ofMinutes(10));
    assertThat(sim.resolvedAt).containsExactly(T0, at(31_000), at(61_500));
    // An answer still under way when the primary's gateways arrived changes nothing.
    assertThat(sim.tracker.resolved(List.of(GatewayAddress.parse("other.example:1")), List.of(), sim.now)).isEmpty();
    assertThat(sim.view.snapshot().fallback()).containsExactly(FALLBACK);
  }

  @Test
  void withoutPrimaryGatewaysNothingIsResolved() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of());
    sim.advance(Duration.ofMinutes(5));
    assertThat(sim.resolvedAt).isEmpty();
  }

  // ---- reading the store ----

  @Test
  void aFailedReadIsRetriedAfterABackoffThatStartsOverAfterASuccess() {
    Sim sim = new Sim(SECONDARY, List.of());
    assertThat(sim.readAt).containsExactly(T0);
    List<Instant> expected = new ArrayList<>(List.of(T0));
    long at = 0;
    // 1 s doubling to 30 s.
    for (long wait : new long[] {1, 2, 4, 8, 16, 30, 30}) {
      sim.apply(sim.tracker.readFailed("store timed out", false, sim.now));
      sim.advanceTo(at(at * 1000 + wait * 1000 - 1));
      assertThat(sim.readAt).as("no read before %d s", wait).containsExactlyElementsOf(expected);
      at += wait;
      sim.advanceTo(at(at * 1000));
      expected.add(at(at * 1000));
      assertThat(sim.readAt).containsExactlyElementsOf(expected);
    }
    assertThat(sim.logs(Level.WARN)).first().isEqualTo(
        "error tracking primary and local mesh gateways, will retry in 1000 ms: store timed out");

    sim.listed(4, Map.of());
    expected.add(sim.now);
    sim.apply(sim.tracker.readFailed("store timed out", false, sim.now));
    sim.advance(Duration.ofSeconds(1));
    expected.add(sim.now);
    assertThat(sim.readAt).containsExactlyElementsOf(expected);
  }

  @Test
  void anUnreachableStoreIsExpectedAndOnlyWorthADebugLine() {
    Sim sim = new Sim(SECONDARY, List.of());
    assertThat(sim.apply(sim.tracker.readFailed("the DC is forming", true, sim.now)))
        .containsExactly(new Log(Level.DEBUG, "cannot read federation states yet, will retry: the DC is forming"));
  }

  @Test
  void eachReadStartsFromTheLastIndexAndABackwardsIndexFromTheStart() {
    Sim sim = new Sim(SECONDARY, List.of());
    assertThat(sim.lastRead).isEqualTo(new Read(0, READ_WAIT));
    sim.listed(10, Map.of());
    assertThat(sim.lastRead).isEqualTo(new Read(10, READ_WAIT));
    sim.listed(5, Map.of());
    assertThat(sim.lastRead).isEqualTo(new Read(0, READ_WAIT));
  }

  @Test
  void theFirstFederationStateIsReportedOnce() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of());
    assertThat(sim.barrier).isZero();
    sim.listed(2, Map.of(OTHER, List.of(gateway("gw-o", 5))));
    sim.listed(3, Map.of(OTHER, List.of(gateway("gw-o", 5)), SECONDARY, List.of(gateway("gw-1", 1))));
    assertThat(sim.barrier).isEqualTo(1);
  }

  @Test
  void newLocationsAreLoggedOnlyWhenTheyChange() {
    Sim sim = new Sim(SECONDARY, List.of());
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1)), PRIMARY, List.of(gateway("gw-p", 9))));
    sim.listed(2, Map.of(SECONDARY, List.of(gateway("gw-1", 1)), PRIMARY, List.of(gateway("gw-p", 9))));
    assertThat(sim.logs(Level.INFO)).containsOnlyOnce(
        "new cached locations of mesh gateways: primary=[203.0.113.9:443] local=[10.0.0.1:8443]");
  }

  // ---- stop ----

  @Test
  void stoppingAbandonsEveryProbeAndNothingIsDueAfterwards() {
    Sim sim = new Sim(SECONDARY, List.of(FALLBACK));
    sim.listed(1, Map.of(SECONDARY, List.of(gateway("gw-1", 1), gateway("gw-2", 2))));
    sim.apply(sim.tracker.readFailed("store timed out", false, sim.now));

    List<Action> out = sim.apply(sim.tracker.stop());
    assertThat(out).hasSize(2).allMatch(a -> a instanceof CancelProbe);
    assertThat(sim.inFlight).isEmpty();
    assertThat(sim.tracker.nextDeadline()).isEmpty();
    assertThat(sim.tracker.tick(sim.now.plus(Duration.ofHours(1)))).isEmpty();
    assertThat(sim.tracker.listed(2, List.of(), sim.now)).isEmpty();
    assertThat(sim.tracker.resolved(List.of(GatewayAddress.parse(FALLBACK)), List.of(), sim.now)).isEmpty();
  }
}
