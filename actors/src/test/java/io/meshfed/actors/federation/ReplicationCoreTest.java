package io.meshfed.actors.federation;

import static io.meshfed.actors.federation.FederationFixture.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.actors.federation.ReplicationCore.Action;
import io.meshfed.actors.federation.ReplicationCore.Apply;
import io.meshfed.actors.federation.ReplicationCore.Failed;
import io.meshfed.actors.federation.ReplicationCore.Fetch;
import io.meshfed.actors.federation.ReplicationCore.Log;
import io.meshfed.actors.federation.ReplicationCore.ReadLocal;
import io.meshfed.actors.federation.ReplicationCore.StartTimer;
import io.meshfed.actors.federation.ReplicationCore.Wedged;
import io.meshfed.actors.federation.ReplicationCore.Succeeded;
import io.meshfed.actors.federation.ReplicationCore.TellLocator;
import io.meshfed.actors.federation.ReplicationCore.Timer;
import io.meshfed.actors.time.Backoff;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** Replication's decisions on virtual time: every wait is read from the actions, no clock runs. */
class ReplicationCoreTest {
  private static final Duration QUERY_WAIT = FederationStateReplication.Settings.DEFAULT_QUERY_WAIT;
  private static final ApiException NO_PATH = ApiException.noPathTo("dc1");
  private static final Duration STEP = FederationStateReplication.Settings.DEFAULT_STEP_TIMEOUT;
  private static final ApiException DENIED = ApiException.permissionDenied();

  /** A record as the primary serves it: its own modify index. */
  private static FederationState remote(String dc, long modifyIndex) {
    return state(dc).withIndexes(0, modifyIndex, modifyIndex);
  }

  /** A draw of 0: the backoff without jitter, so the delays are exact. */
  private static Random noJitter() {
    return new Random() {
      @Override
      public double nextDouble() {
        return 0;
      }
    };
  }

  private static FederationStateReplication.Settings defaults() {
    return FederationStateReplication.Settings.defaults().withRetry(Backoff.REPLICATION, noJitter());
  }

  /**
   * Drives the core as the actor does, on a virtual clock: the pending timer is what the last actions
   * started, and {@link #fire} moves the clock to when it is due.
   */
  private static final class Driver {
    final ReplicationCore<FederationState> core;
    long now;
    List<Action> last;
    Timer pending;
    long dueAt;
    final List<Action> all = new ArrayList<>();

    Driver(FederationStateReplication.Settings settings) {
      core = new ReplicationCore<>(settings, FederationStateReplication.STATES, 0);
      record(core.start(0));
    }

    List<Action> record(List<Action> actions) {
      last = actions;
      all.addAll(actions);
      for (Action a : actions) {
        if (a instanceof StartTimer t) {
          pending = t.timer();
          dueAt = now + t.after().toNanos();
        }
      }
      return actions;
    }

    /** The pending timer's delay, as the last actions set it. */
    Duration timerDelay() {
      return get(StartTimer.class).after();
    }

    List<Action> fire(boolean barrierPassed) {
      assertThat(pending).as("a timer is pending").isNotNull();
      now = Math.max(now, dueAt);
      Timer t = pending;
      pending = null;
      return record(core.timer(t, now, barrierPassed));
    }

    List<Action> fire() {
      return fire(true);
    }

    Fetch fetch() {
      fire();
      return get(Fetch.class);
    }

    /** One whole round that finds the primary at {@code index} with {@code remote} and writes nothing. */
    void quietRound(long index, List<FederationState> remote) {
      fetch();
      record(core.fetched(index, remote, now));
      record(core.localRead(remote, now));
      assertThat(get(Succeeded.class).remoteIndex()).isEqualTo(index);
    }

    /** A first round into an empty store: every record of {@code remote} is written, and it succeeds at {@code index}. */
    void firstRound(long index, List<FederationState> remote) {
      fetch();
      record(core.fetched(index, remote, now));
      record(core.localRead(List.of(), now));
      while (!has(Succeeded.class)) {
        record(core.applied(now));
        if (pending == Timer.APPLY) {
          fire();
        }
      }
    }

    List<Action> failFetch(Throwable error) {
      fetch();
      return record(core.fetchFailed(error, now));
    }

    <T> T get(Class<T> type) {
      List<T> found = last.stream().filter(type::isInstance).map(type::cast).toList();
      assertThat(found).as(type.getSimpleName() + " in " + last).hasSize(1);
      return found.get(0);
    }

    boolean has(Class<?> type) {
      return last.stream().anyMatch(type::isInstance);
    }
  }

  @Test
  void theFirstFetchIsAFullSyncAndEachNextIsABlockingQueryFromTheLastIndex() {
    Driver d = new Driver(defaults());
    assertThat(d.timerDelay()).isZero();
    Fetch first = d.fetch();
    assertThat(first).isEqualTo(new Fetch(0, QUERY_WAIT));
    d.record(d.core.fetched(7, List.of(remote("dc-a", 7)), d.now));
    assertThat(d.last).containsExactly(new TellLocator(null), new ReadLocal(), new StartTimer(Timer.STALL, STEP));
    d.record(d.core.localRead(List.of(), d.now));
    assertThat(d.get(Apply.class).op()).isEqualTo(FederationStateOp.UPSERT);
    d.record(d.core.applied(d.now));
    assertThat(d.get(Succeeded.class).remoteIndex()).isEqualTo(7);
    assertThat(d.timerDelay()).as("the next round starts at once").isZero();
    assertThat(d.fetch()).isEqualTo(new Fetch(7, QUERY_WAIT));
  }

  @Test
  void theLimiterAllowsABurstOfTenRoundsThenFivePerSecondAndRefillsWhileAQueryIsParked() {
    Duration token = Duration.ofMillis(200);
    Driver d = new Driver(defaults());
    for (int i = 1; i <= 10; i++) {
      d.quietRound(i, List.of());
    }
    assertThat(d.now).as("the burst costs no time").isZero();
    d.fire();
    assertThat(d.has(Fetch.class)).isFalse();
    assertThat(d.timerDelay()).as("the eleventh round waits for a token").isEqualTo(token);
    for (int i = 11; i <= 15; i++) {
      d.quietRound(i, List.of());
      d.fire();
      assertThat(d.timerDelay()).isEqualTo(token);
    }
    assertThat(d.now).isEqualTo(token.multipliedBy(5).toNanos());

    // A query parked for its whole wait: the bucket fills up again, to the burst and no more.
    d.fetch();
    d.now += QUERY_WAIT.toNanos();
    d.record(d.core.fetched(16, List.of(), d.now));
    d.record(d.core.localRead(List.of(), d.now));
    for (int i = 17; i <= 26; i++) {
      d.quietRound(i, List.of());
    }
    d.fire();
    assertThat(d.timerDelay()).isEqualTo(token);
  }

  @Test
  void aclReplicationKeepsConsulsRateOfOneRoundPerSecondAfterABurstOfFive() {
    Driver d = new Driver(FederationStateReplication.Settings.aclDefaults().withRetry(Backoff.REPLICATION, noJitter()));
    for (int i = 1; i <= 5; i++) {
      d.quietRound(i, List.of());
    }
    d.fire();
    assertThat(d.timerDelay()).as("the sixth round waits for a token").isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void consecutiveFailuresBackOffFromOneSecondDoublingToTwoMinutesAndEachForcesAFullSync() {
    Driver d = new Driver(defaults());
    d.quietRound(9, List.of());
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Fetch f = d.fetch();
      assertThat(f.minIndex()).as("after a failure the next fetch is a full sync").isEqualTo(i == 0 ? 9 : 0);
      d.record(d.core.fetchFailed(DENIED, d.now));
      delays.add(d.timerDelay());
    }
    assertThat(delays).extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 64L, 120L, 120L,
        120L);
    assertThat(d.core.failures()).isEqualTo(10);
  }

  @Test
  void theJitterAddsAtMostTenPercentAndTheSeedReplaysIt() {
    long seed = 20_261_126L;
    List<Duration> first = failTenTimes(new Random(seed));
    List<Duration> again = failTenTimes(new Random(seed));
    assertThat(again).as("seed " + seed).isEqualTo(first);
    for (int i = 0; i < first.size(); i++) {
      Duration base = Backoff.REPLICATION.delay(i + 1, 0);
      assertThat(first.get(i)).as("seed " + seed + ", failure " + (i + 1))
          .isBetween(base, base.plus(base.dividedBy(10)));
    }
    assertThat(first).as("seed " + seed + ": some jitter").isNotEqualTo(failTenTimes(noJitter()));
  }

  private static List<Duration> failTenTimes(Random random) {
    Driver d = new Driver(FederationStateReplication.Settings.defaults().withRetry(Backoff.REPLICATION, random));
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      d.failFetch(DENIED);
      delays.add(d.timerDelay());
    }
    return delays;
  }

  @Test
  void aSuccessResetsTheBackoff() {
    Driver d = new Driver(defaults());
    d.failFetch(DENIED);
    d.failFetch(DENIED);
    d.failFetch(DENIED);
    assertThat(d.timerDelay()).isEqualTo(Duration.ofSeconds(4));
    d.quietRound(3, List.of());
    assertThat(d.core.failures()).isZero();
    d.failFetch(DENIED);
    assertThat(d.timerDelay()).as("the base delay again, not 8 s").isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theLocatorHearsOfEveryFetchAndOfNothingElse() {
    Driver d = new Driver(defaults());
    d.failFetch(NO_PATH);
    assertThat(d.get(TellLocator.class).error()).isSameAs(NO_PATH);
    d.fetch();
    d.record(d.core.fetched(4, List.of(remote("dc-a", 4)), d.now));
    assertThat(d.get(TellLocator.class).error()).isNull();
    d.record(d.core.localRead(List.of(), d.now));
    d.record(d.core.applyFailed(new IllegalStateException("disk full"), d.now));
    assertThat(d.has(TellLocator.class)).as("a local failure says nothing about the route").isFalse();
    assertThat(d.get(Failed.class).error()).isEqualTo("failed to apply local federation state updates: disk full");
    d.fetch();
    d.record(d.core.fetched(4, List.of(), d.now));
    d.record(d.core.localReadFailed(new IllegalStateException("store moving"), d.now));
    assertThat(d.has(TellLocator.class)).isFalse();
    assertThat(d.get(Failed.class).error()).isEqualTo("failed to read local federation states: store moving");
    assertThat(d.all.stream().filter(TellLocator.class::isInstance)).hasSize(3);
  }

  @Test
  void writesComeDeletionsFirstTenMillisecondsApartAndNotAfterTheLast() {
    Driver d = new Driver(defaults());
    d.fetch();
    List<FederationState> remote = List.of(remote("dc-a", 3), remote("dc-b", 5));
    d.record(d.core.fetched(5, remote, d.now));
    d.record(d.core.localRead(List.of(state("dc-gone")), d.now));
    List<String> writes = new ArrayList<>();
    List<Long> at = new ArrayList<>();
    while (true) {
      Apply w = d.get(Apply.class);
      writes.add(w.op() + " " + written(w).datacenter());
      at.add(d.now);
      d.record(d.core.applied(d.now));
      if (d.has(Succeeded.class)) {
        break;
      }
      assertThat(d.get(StartTimer.class)).isEqualTo(new StartTimer(Timer.APPLY, Duration.ofMillis(10)));
      d.fire();
    }
    assertThat(writes).containsExactly("DELETE dc-gone", "UPSERT dc-a", "UPSERT dc-b");
    assertThat(at).containsExactly(0L, 10_000_000L, 20_000_000L);
    assertThat(d.get(StartTimer.class)).isEqualTo(new StartTimer(Timer.ROUND, Duration.ZERO));
    // The copies keep the primary's modify index.
    assertThat(d.all.stream().filter(Apply.class::isInstance).map(Apply.class::cast)
        .filter(a -> a.op() == FederationStateOp.UPSERT).map(a -> written(a).primaryModifyIndex()))
        .containsExactly(3L, 5L);
  }

  @Test
  void aRecordTheLocalStoreRefusesIsLeftOutLoggedOncePerVersionAndTheRoundSucceeds() {
    Driver d = new Driver(defaults());
    long[] badVersions = {2, 2, 5};
    List<String> warnings = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      long index = 10 + round;
      d.fetch();
      d.record(d.core.fetched(index, List.of(remote("dc-bad", badVersions[round]), remote("dc-ok", index)), d.now));
      d.record(d.core.localRead(List.of(), d.now));
      assertThat(written(d.get(Apply.class)).datacenter()).isEqualTo("dc-bad");
      d.record(d.core.applyFailed(ApiException.invalid("port 70000 out of range"), d.now));
      assertThat(d.has(Failed.class)).isFalse();
      d.last.stream().filter(Log.class::isInstance).map(a -> ((Log) a).message()).forEach(warnings::add);
      d.fire();
      assertThat(written(d.get(Apply.class)).datacenter()).isEqualTo("dc-ok");
      d.record(d.core.applied(d.now));
      assertThat(d.get(Succeeded.class).remoteIndex()).isEqualTo(index);
    }
    assertThat(warnings).containsExactly(
        "replication left out the federation state of dc-bad (primary modify index 2): this DC's store refuses it: "
            + "port 70000 out of range; fix or delete it in the primary",
        "replication left out the federation state of dc-bad (primary modify index 5): this DC's store refuses it: "
            + "port 70000 out of range; fix or delete it in the primary");
  }

  @Test
  void aRemoteIndexThatMovesBackwardsForcesAFullSync() {
    Driver d = new Driver(defaults());
    d.firstRound(50, List.of(remote("dc-a", 40)));
    assertThat(d.fetch().minIndex()).isEqualTo(50);
    // Rebuilt primary: its dc-a record has a modify index below 50, so only a full sync rewrites it.
    d.record(d.core.fetched(12, List.of(remote("dc-a", 10)), d.now));
    d.record(d.core.localRead(List.of(state("dc-a").withIndexes(40, 1, 40)), d.now));
    assertThat(d.get(Log.class).message()).isEqualTo(
        "replication remote index moved backwards, forcing a full sync (from 50 to 12)");
    assertThat(written(d.get(Apply.class)).primaryModifyIndex()).isEqualTo(10);
  }

  /**
   * Task: a fresh secondary. Until it sees the primary's servers in the WAN view, the barrier refuses
   * every round; that wait must not grow the backoff, or the first real attempt after the barrier opens
   * waits minutes for nothing.
   */
  @Test
  void aClosedBarrierIsCheckedEverySecondTellsNobodyAndDoesNotGrowTheBackoff() {
    Driver d = new Driver(defaults());
    for (int i = 0; i < 10; i++) {
      d.fire(false);
      assertThat(d.last).containsExactly(new Failed(FederationStateReplication.NOT_SUPPORTED),
          new StartTimer(Timer.ROUND, Duration.ofSeconds(1)));
    }
    assertThat(d.core.failures()).isZero();
    assertThat(d.all).noneMatch(a -> a instanceof TellLocator || a instanceof Log || a instanceof Fetch);
    // The barrier opens; the first attempt fails; the retry comes after the base delay.
    d.failFetch(DENIED);
    assertThat(d.timerDelay()).isEqualTo(Duration.ofSeconds(1));
  }

  /**
   * Task: a secondary replicates within 2 s of its path to the primary existing, however long the path
   * was missing. Twenty rounds find no path (the primary's backoff would be at two minutes by then);
   * the path appears right after the last one; the next round, due within a second, replicates.
   */
  @Test
  void afterAnyNumberOfRoundsWithoutAPathReplicationFollowsThePathWithinTwoSeconds() {
    Driver d = new Driver(defaults());
    for (int i = 0; i < 20; i++) {
      d.failFetch(i % 2 == 0 ? NO_PATH : new ApiException(ApiException.Code.UNAVAILABLE,
          "datacenter dc1 did not answer: cannot connect to s1.server.dc1 via 127.0.0.1:9443: TLS handshake failed: "
              + "the connection closed before the handshake completed"));
      assertThat(d.timerDelay()).as("retry after failure " + (i + 1)).isLessThanOrEqualTo(Duration.ofSeconds(1));
    }
    long pathAt = d.now;
    d.fetch();
    d.record(d.core.fetched(8, List.of(remote("dc1", 8)), d.now));
    d.record(d.core.localRead(List.of(), d.now));
    d.record(d.core.applied(d.now));
    assertThat(d.get(Succeeded.class).remoteIndex()).isEqualTo(8);
    assertThat(Duration.ofNanos(d.now - pathAt)).isLessThanOrEqualTo(Duration.ofSeconds(2));
    // The primary's own errors still back off in full.
    for (int i = 0; i < 20; i++) {
      d.failFetch(DENIED);
    }
    assertThat(d.timerDelay()).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void aPrimaryServerAliveAgainEndsARetryWaitAndCountsDuringARound() {
    Driver d = new Driver(FederationStateReplication.Settings.defaults()
        .withRetry(new Backoff(Duration.ofSeconds(60), Duration.ofSeconds(120), 0), noJitter()));
    d.quietRound(3, List.of());
    d.failFetch(DENIED);
    assertThat(d.timerDelay()).isEqualTo(Duration.ofSeconds(60));
    d.now += Duration.ofSeconds(5).toNanos();
    d.record(d.core.pathChanged("a server of the primary datacenter is alive again", d.now));
    assertThat(d.get(Log.class).message())
        .isEqualTo("a server of the primary datacenter is alive again: retrying replication now");
    assertThat(d.timerDelay()).isZero();

    // News during a round: that round's failure is retried at once (the limiter still applies).
    d.fetch();
    assertThat(d.core.pathChanged("a server of the primary datacenter is alive again", d.now)).isEmpty();
    d.record(d.core.fetchFailed(DENIED, d.now));
    assertThat(d.timerDelay()).isZero();
    // Without news, the next failure waits its backoff again.
    d.failFetch(DENIED);
    assertThat(d.timerDelay()).isEqualTo(Duration.ofSeconds(120));
    // A healthy routine ignores the news.
    d.fire();
    d.record(d.core.fetched(3, List.of(), d.now));
    d.record(d.core.localRead(List.of(), d.now));
    assertThat(d.core.pathChanged("a server of the primary datacenter is alive again", d.now)).isEmpty();
  }

  /** "No path yet", then the primary refuses the token: the refusal is the reason an operator needs, at once. */
  @Test
  void aFailureOfAnotherKindIsLoggedAtOnce() {
    Driver d = new Driver(defaults());
    d.failFetch(NO_PATH);
    assertThat(d.get(Log.class).message()).contains("No path to datacenter");
    d.failFetch(NO_PATH);
    assertThat(d.has(Log.class)).isFalse();
    d.failFetch(DENIED);
    assertThat(d.get(Log.class).message()).contains(DENIED.getMessage());
    d.failFetch(DENIED);
    assertThat(d.has(Log.class)).as("the same kind again waits for the minute").isFalse();
  }

  @Test
  void aLongRunOfFailuresIsLoggedOnceAMinuteWithTheRoundsLeftOut() {
    Driver d = new Driver(defaults());
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      d.failFetch(NO_PATH);
      d.last.stream().filter(Log.class::isInstance).map(Log.class::cast).forEach(l -> {
        assertThat(l.level()).isEqualTo(Level.WARN);
        lines.add(l.message());
      });
    }
    assertThat(Duration.ofNanos(d.now)).isBetween(Duration.ofSeconds(140), Duration.ofSeconds(150));
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).isEqualTo("replication error (will retry if still leader): failed to retrieve federation "
        + "states: No path to datacenter \"dc1\"");
    assertThat(lines.get(1)).endsWith("(and 59 failed rounds since the last such line)");
    d.quietRound(1, List.of());
    assertThat(d.get(Log.class)).isEqualTo(new Log(Level.INFO, "replication works again, after 150 failed rounds"));
    d.failFetch(NO_PATH);
    assertThat(d.get(Log.class).message()).as("a new run is reported at once")
        .startsWith("replication error (will retry if still leader)");
  }

  /**
   * The watchdog: each step waited for has a timer due the step timeout after the step must have
   * answered; an answer in time replaces it, and one that never comes wedges the routine.
   */
  @Test
  void aStepThatNeverAnswersWedgesTheRoutineAfterItsLongestWaitAndTheStepTimeout() {
    Driver d = new Driver(defaults());
    d.firstRound(7, List.of(remote("dc-a", 7)));
    Fetch parked = d.fetch();
    Duration longest = QUERY_WAIT.plus(QUERY_WAIT.dividedBy(16));
    assertThat(d.get(StartTimer.class)).isEqualTo(new StartTimer(Timer.STALL, longest.plus(STEP)));
    long sent = d.now;
    assertThat(d.fire()).containsExactly(new Wedged("the primary has not answered a read of federation states 20s "
        + "after its longest wait (31.875s)"));
    assertThat(d.now - sent).isEqualTo(longest.plus(STEP).toNanos());
    assertThat(parked.minIndex()).isEqualTo(7);
  }

  @Test
  void aLocalReadOrWriteThatNeverAnswersWedgesTheRoutineAfterTheStepTimeout() {
    Driver reading = new Driver(defaults());
    reading.fetch();
    reading.record(reading.core.fetched(3, List.of(remote("dc-a", 3)), reading.now));
    assertThat(reading.fire()).containsExactly(new Wedged("the local store has not answered a read of federation "
        + "states in 20s"));

    Driver writing = new Driver(defaults());
    writing.fetch();
    writing.record(writing.core.fetched(3, List.of(remote("dc-a", 3)), writing.now));
    writing.record(writing.core.localRead(List.of(), writing.now));
    assertThat(writing.get(StartTimer.class)).isEqualTo(new StartTimer(Timer.STALL, STEP));
    assertThat(writing.fire()).containsExactly(new Wedged("the local store has not answered a write of a federation "
        + "state in 20s"));
  }

  @Test
  void aStepAnsweredInTimeReplacesItsWatchdog() {
    Driver d = new Driver(defaults());
    d.firstRound(3, List.of(remote("dc-a", 3)));
    assertThat(d.get(Succeeded.class).remoteIndex()).isEqualTo(3);
    // The read's watchdog is no longer the pending timer: firing it is ignored, and the round timer rules.
    assertThat(d.core.timer(Timer.STALL, d.now + STEP.toNanos(), true)).isEmpty();
    assertThat(d.fetch()).isEqualTo(new Fetch(3, QUERY_WAIT));
    assertThat(d.all).noneMatch(Wedged.class::isInstance);
  }

  @Test
  void aTimerThatIsNoLongerPendingIsIgnored() {
    Driver d = new Driver(defaults());
    assertThat(d.core.timer(Timer.APPLY, 0, true)).isEmpty();
    d.fetch();
    assertThat(d.core.timer(Timer.ROUND, 0, true)).as("a round is in flight").isEmpty();
  }

  private static FederationState written(Apply<?> write) {
    return (FederationState) write.record();
  }
}
