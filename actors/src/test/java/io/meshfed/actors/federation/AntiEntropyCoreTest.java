package io.meshfed.actors.federation;

import static io.meshfed.actors.federation.FederationFixture.gateway;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.federation.AntiEntropyCore.Action;
import io.meshfed.actors.federation.AntiEntropyCore.CancelTimer;
import io.meshfed.actors.federation.AntiEntropyCore.LatchBarrier;
import io.meshfed.actors.federation.AntiEntropyCore.Log;
import io.meshfed.actors.federation.AntiEntropyCore.Push;
import io.meshfed.actors.federation.AntiEntropyCore.ReadStoredStates;
import io.meshfed.actors.federation.AntiEntropyCore.StartTimer;
import io.meshfed.actors.federation.AntiEntropyCore.Timer;
import io.meshfed.actors.federation.AntiEntropyCore.WatchGateways;
import io.meshfed.actors.federation.AntiEntropyCore.WatchOwn;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** Anti-entropy's decisions on virtual time. */
class AntiEntropyCoreTest {
  private static final String DC = "dc2";
  private static final long SECOND = 1_000_000_000L;
  private static final Duration QUERY_WAIT = FederationStateAntiEntropy.Settings.DEFAULT_QUERY_WAIT;

  private final FederationStateAntiEntropy.Settings settings = FederationStateAntiEntropy.Settings.defaults();
  private AntiEntropyCore core;
  private List<Action> last;

  private static List<CheckServiceNode> gateways(int version) {
    return List.of(gateway(DC, "gw1", 8443, HealthCheck.PASSING), gateway(DC, "gw-v" + version, 9000 + version,
        HealthCheck.PASSING));
  }

  /** Started with the barrier open, this DC's record absent and {@code gateways(0)} in the catalog; the first push made. */
  private void watchingAndPushedOnce() {
    watchingAndPushedOnce(settings);
  }

  private void watchingAndPushedOnce(FederationStateAntiEntropy.Settings with) {
    core = new AntiEntropyCore(DC, with, 0);
    last = core.start(0, true);
    last = core.ownRead(null, 1, 0);
    last = core.gatewaysRead(gateways(0), 1, 0);
    assertThat(pushedState().meshGateways()).isEqualTo(gateways(0));
    last = core.pushed(0);
  }

  private Push push() {
    List<Push> pushes = last.stream().filter(Push.class::isInstance).map(Push.class::cast).toList();
    assertThat(pushes).as("one push in " + last).hasSize(1);
    return pushes.get(0);
  }

  private FederationState pushedState() {
    return push().state();
  }

  private boolean pushes() {
    return last.stream().anyMatch(Push.class::isInstance);
  }

  private StartTimer timer() {
    List<StartTimer> timers = last.stream().filter(StartTimer.class::isInstance).map(StartTimer.class::cast).toList();
    assertThat(timers).as("one timer in " + last).hasSize(1);
    return timers.get(0);
  }

  @Test
  void aClosedBarrierLooksForStoredStatesThenChecksEveryRetryReadingNothingUntilItOpens() {
    core = new AntiEntropyCore(DC, settings, 0);
    assertThat(core.start(0, false)).containsExactly(new ReadStoredStates());
    assertThat(core.storedStates(false, 0, false)).containsExactly(new StartTimer(Timer.BARRIER, Duration.ofSeconds(5)));
    assertThat(core.timer(Timer.BARRIER, 5 * SECOND, false))
        .containsExactly(new StartTimer(Timer.BARRIER, Duration.ofSeconds(5)));
    assertThat(core.timer(Timer.BARRIER, 10 * SECOND, true))
        .containsExactly(new WatchOwn(0, QUERY_WAIT), new WatchGateways(0, QUERY_WAIT));
  }

  @Test
  void storedFederationStatesLatchTheBarrierAndAFailedLookOnlyCostsTheShortcut() {
    core = new AntiEntropyCore(DC, settings, 0);
    core.start(0, false);
    assertThat(core.storedStates(true, 0, false))
        .containsExactly(new LatchBarrier(), new WatchOwn(0, QUERY_WAIT), new WatchGateways(0, QUERY_WAIT));

    AntiEntropyCore failed = new AntiEntropyCore(DC, settings, 0);
    failed.start(0, false);
    assertThat(failed.storedStatesFailed("store moving", 0, false)).containsExactly(
        new Log(Level.WARN, "Failed to check for existing federation states and activate the feature flag quicker; "
            + "skipping this optimization: store moving"),
        new StartTimer(Timer.BARRIER, Duration.ofSeconds(5)));
  }

  @Test
  void onlyTheReadThatAnsweredIsIssuedAgainFromItsIndexAndAPushNeedsBoth() {
    core = new AntiEntropyCore(DC, settings, 0);
    core.start(0, true);
    assertThat(core.ownRead(null, 4, 0)).containsExactly(new WatchOwn(4, QUERY_WAIT));
    last = core.gatewaysRead(gateways(0), 9, 0);
    assertThat(last.get(0)).isEqualTo(new WatchGateways(9, QUERY_WAIT));
    assertThat(pushedState()).isEqualTo(new FederationState(DC, gateways(0), null, 0, 0, 0));
  }

  /**
   * The default limiter (5/s, burst 10): changes made back to back push at once, each seeing the
   * previous one's answer; past the burst a change waits 200 ms for a token, and the changes meanwhile
   * end in one push of the latest.
   */
  @Test
  void atTheDefaultsTenChangesInARowPushAtOnceAndTheEleventhWaitsAFifthOfASecond() {
    watchingAndPushedOnce();
    for (int v = 1; v <= 9; v++) {
      last = core.gatewaysRead(gateways(v), 1 + v, 0);
      assertThat(pushedState().meshGateways()).isEqualTo(gateways(v));
      last = core.pushed(0);
    }
    last = core.gatewaysRead(gateways(10), 11, 0);
    assertThat(pushes()).isFalse();
    assertThat(timer()).isEqualTo(new StartTimer(Timer.SYNC, Duration.ofMillis(200)));
    last = core.gatewaysRead(gateways(11), 12, SECOND / 10);
    assertThat(timer()).isEqualTo(new StartTimer(Timer.SYNC, Duration.ofMillis(100)));
    last = core.timer(Timer.SYNC, SECOND / 5, true);
    assertThat(pushedState().meshGateways()).as("one push, of the latest").isEqualTo(gateways(11));
  }

  /**
   * Consul's limiter (0.2/s, burst 5) and the debounce: after the burst, a change waits for a token, and the
   * changes meanwhile only restart that wait; the push that follows carries the latest gateways.
   */
  @Test
  void withConsulsRateAfterABurstOfFivePushesChangesWaitForATokenAndEndInOnePushOfTheLatest() {
    watchingAndPushedOnce(new FederationStateAntiEntropy.Settings(Duration.ofSeconds(5), QUERY_WAIT,
        io.meshfed.actors.time.Backoff.ANTI_ENTROPY, 0.2, 5, new Random()));
    for (int v = 1; v <= 4; v++) {
      last = core.gatewaysRead(gateways(v), 1 + v, 0);
      assertThat(pushedState().meshGateways()).isEqualTo(gateways(v));
      last = core.pushed(0);
    }
    last = core.gatewaysRead(gateways(5), 6, 0);
    assertThat(pushes()).isFalse();
    assertThat(timer()).isEqualTo(new StartTimer(Timer.SYNC, Duration.ofSeconds(5)));
    last = core.gatewaysRead(gateways(6), 7, 1 * SECOND);
    assertThat(pushes()).isFalse();
    assertThat(timer()).isEqualTo(new StartTimer(Timer.SYNC, Duration.ofSeconds(4)));
    last = core.gatewaysRead(gateways(7), 8, 3 * SECOND);
    assertThat(timer()).isEqualTo(new StartTimer(Timer.SYNC, Duration.ofSeconds(2)));
    last = core.timer(Timer.SYNC, 5 * SECOND, true);
    assertThat(pushedState().meshGateways()).as("one push, of the latest").isEqualTo(gateways(7));
    last = core.pushed(5 * SECOND);
    last = core.gatewaysRead(gateways(8), 9, 6 * SECOND);
    assertThat(timer().after()).as("one token every five seconds").isEqualTo(Duration.ofSeconds(4));
  }

  @Test
  void aChangeDuringAPushIsComparedAgainWhenItEnds() {
    core = new AntiEntropyCore(DC, settings, 0);
    core.start(0, true);
    core.ownRead(null, 1, 0);
    last = core.gatewaysRead(gateways(1), 1, 0);
    assertThat(pushedState().meshGateways()).isEqualTo(gateways(1));
    assertThat(core.gatewaysRead(gateways(2), 2, 0)).containsExactly(new WatchGateways(2, QUERY_WAIT));
    last = core.pushed(0);
    assertThat(last.get(0)).isEqualTo(new Log(Level.INFO, "federation state anti-entropy synced"));
    assertThat(pushedState().meshGateways()).isEqualTo(gateways(2));
  }

  @Test
  void aFailedPushBacksOffFromTwoSecondsDoublingIgnoresChangesMeanwhileAndASuccessResets() {
    watchingAndPushedOnce();
    last = core.gatewaysRead(gateways(1), 2, 0);
    pushedState();
    long now = 0;
    List<Duration> waits = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      last = core.pushFailed("Permission denied", false, now);
      assertThat(last.get(0)).isEqualTo(new Log(Level.ERROR,
          "error performing anti-entropy sync of federation state: Permission denied"));
      waits.add(timer().after());
      // A change while backing off neither pushes nor restarts the wait.
      assertThat(core.gatewaysRead(gateways(10 + i), 10 + i, now + 1))
          .containsExactly(new WatchGateways(10 + i, QUERY_WAIT));
      now += timer().after().toNanos();
      last = core.timer(Timer.SYNC, now, true);
      assertThat(pushedState().meshGateways()).as("the retry pushes the latest").isEqualTo(gateways(10 + i));
    }
    assertThat(waits).extracting(Duration::toSeconds).containsExactly(2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 256L);
    core.pushed(now);
    last = core.gatewaysRead(gateways(30), 30, now);
    pushedState();
    last = core.pushFailed("Permission denied", false, now);
    assertThat(timer().after()).as("reset by the success").isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aPushThatFindsNoPathIsRetriedWithinASecondAndPushesTheLatest() {
    watchingAndPushedOnce();
    last = core.gatewaysRead(gateways(1), 2, 0);
    pushedState();
    long now = 0;
    for (int i = 0; i < 3; i++) {
      last = core.pushFailed("datacenter dc1 did not answer", true, now);
      Duration wait = timer().after();
      assertThat(wait).as("failure " + (i + 1)).isEqualTo(Duration.ofSeconds(1));
      last = core.gatewaysRead(gateways(10 + i), 10 + i, now + 1);
      now += wait.toNanos();
      last = core.timer(Timer.SYNC, now, true);
      assertThat(pushedState().meshGateways()).as("the retry pushes the latest").isEqualTo(gateways(10 + i));
    }
    // An answer that is an error still backs off in full, counting the failures before it.
    last = core.pushFailed("Permission denied", false, now);
    assertThat(timer().after()).isEqualTo(Duration.ofSeconds(16));
  }

  @Test
  void theSameGatewaysInAnotherOrderPushNothingAndCancelAWaitingPush() {
    watchingAndPushedOnce();
    // Use up the burst, so that the next change waits for a token.
    for (int v = 1; v <= 9; v++) {
      last = core.gatewaysRead(gateways(v), 1 + v, 0);
      last = core.pushed(0);
    }
    last = core.gatewaysRead(gateways(10), 11, 0);
    assertThat(timer().timer()).isEqualTo(Timer.SYNC);
    // The stored record catches up (another server's push, replicated back), in another order and with
    // other indexes and time.
    List<CheckServiceNode> reversed = new ArrayList<>(gateways(10));
    java.util.Collections.reverse(reversed);
    last = core.ownRead(new FederationState(DC, reversed, Instant.parse("2020-01-01T00:00:00Z"), 3, 2, 2), 12,
        SECOND / 10);
    assertThat(last).containsExactly(new WatchOwn(12, QUERY_WAIT),
        new Log(Level.TRACE, "federation state anti-entropy sync skipped; already up to date"),
        new CancelTimer(Timer.SYNC));
    assertThat(core.timer(Timer.SYNC, 5 * SECOND, true)).as("the cancelled timer").isEmpty();
  }

  @Test
  void aFailedReadIsRetriedAfterTheBackoffOfItsOwnFailures() {
    core = new AntiEntropyCore(DC, settings, 0);
    core.start(0, true);
    List<Duration> own = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      last = core.ownReadFailed("store moving", 0);
      assertThat(last.get(0)).isEqualTo(new Log(Level.ERROR,
          "error performing anti-entropy sync of federation state: cannot read this DC's federation state: store moving"));
      own.add(timer().after());
      assertThat(core.timer(Timer.WATCH_OWN, 0, true)).containsExactly(new WatchOwn(0, QUERY_WAIT));
    }
    assertThat(own).extracting(Duration::toSeconds).containsExactly(2L, 4L, 8L);
    last = core.gatewaysReadFailed("store moving", 0);
    assertThat(timer()).as("its own count").isEqualTo(new StartTimer(Timer.WATCH_GATEWAYS, Duration.ofSeconds(2)));
    core.ownRead(null, 5, 0);
    last = core.ownReadFailed("store moving", 0);
    assertThat(timer().after()).as("reset by the answer").isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void theRetryJitterComesFromTheSettingsGenerator() {
    FederationStateAntiEntropy.Settings jittered = new FederationStateAntiEntropy.Settings(Duration.ofSeconds(5),
        QUERY_WAIT, new io.meshfed.actors.time.Backoff(Duration.ofSeconds(2), Duration.ofSeconds(256), 0.5), 0.2, 5,
        new Random(99));
    List<Duration> first = new ArrayList<>();
    List<Duration> again = new ArrayList<>();
    for (List<Duration> out : List.of(first, again)) {
      AntiEntropyCore c = new AntiEntropyCore(DC, new FederationStateAntiEntropy.Settings(jittered.barrierRetry(),
          QUERY_WAIT, jittered.retry(), 0.2, 5, new Random(99)), 0);
      c.start(0, true);
      for (int i = 0; i < 5; i++) {
        List<Action> a = c.ownReadFailed("x", 0);
        out.add(((StartTimer) a.get(1)).after());
      }
    }
    assertThat(again).as("seed 99").isEqualTo(first);
    assertThat(first.get(0)).as("seed 99").isBetween(Duration.ofSeconds(2), Duration.ofSeconds(3));
  }
}
