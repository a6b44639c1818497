package io.meshfed.actors.federation;

import static io.meshfed.actors.federation.FederationFixture.byDc;
import static io.meshfed.actors.federation.FederationFixture.gateway;
import static io.meshfed.actors.federation.FederationFixture.state;
import static io.meshfed.actors.federation.FederationFixture.upsert;
import static io.meshfed.actors.federation.FederationFixture.uniqueDc;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.store.StoreClient;
import io.meshfed.protocol.model.HealthCheck;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pruning against a real primary store: the wiring. Absence is timed with a test clock, so the default
 * grace (1 hour) is used as it is; each check's WAN read is counted so the test moves in step with it.
 * The decisions in detail are PruningCoreTest's.
 */
class FederationStatePruningTest extends FederationRoutineTestBase {
  private String own;
  private StoreClient store;
  private final AtomicLong clock = new AtomicLong();
  private final AtomicReference<Set<String>> wan = new AtomicReference<>();
  /** WAN reads so far: one per check, made while the previous check's deletions are done. */
  private final AtomicInteger checks = new AtomicInteger();
  private Supplier<Set<String>> wanSupplier;

  @BeforeEach
  void freshStore() {
    own = uniqueDc("primary");
    store = fx.store(own);
    for (String dc : new String[] {own, "dc-a", "dc-b"}) {
      upsert(store, state(dc, gateway(dc, "gw-" + dc, 8443, HealthCheck.PASSING)));
    }
    clock.set(0);
    checks.set(0);
    wanSupplier = () -> {
      checks.incrementAndGet();
      return wan.get();
    };
  }

  private void start(Duration grace) {
    spawnRoutine(FederationStatePruning.create(store, own, wanSupplier, Duration.ofMillis(50), grace,
        new RoutineClock(clock::get, Clock.systemUTC())));
  }

  /**
   * Waits until a check that started after this call (so it saw the current clock and WAN) has
   * finished its deletions: the second WAN read from now on comes only after the first one's round.
   */
  private void nextCheck() {
    int target = checks.get() + 2;
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
        .until(() -> checks.get() >= target);
  }

  private static final Duration HOUR = Duration.ofHours(1);

  @Test
  void aDcAbsentLongerThanTheGraceIsDeletedAndOthersStay() {
    wan.set(Set.of(own, "dc-a"));
    start(FederationStatePruning.DEFAULT_GRACE);
    nextCheck();
    clock.addAndGet(Duration.ofMinutes(59).toNanos());
    nextCheck();
    assertThat(byDc(store).keySet()).contains("dc-b");
    clock.addAndGet(Duration.ofMinutes(2).toNanos());
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !byDc(store).containsKey("dc-b"));
    assertThat(byDc(store).keySet()).containsExactlyInAnyOrder(own, "dc-a");
    assertThat(FederationStatePruning.DEFAULT_GRACE).isEqualTo(HOUR);
  }

  @Test
  void flapsShorterThanTheGraceDeleteNothingEvenWhenTheyAddUpToMore() {
    wan.set(Set.of(own, "dc-a"));
    start(HOUR);
    nextCheck();
    clock.addAndGet(Duration.ofMinutes(50).toNanos());
    nextCheck();
    wan.set(Set.of(own, "dc-a", "dc-b"));
    nextCheck();
    wan.set(Set.of(own, "dc-a"));
    nextCheck();
    clock.addAndGet(Duration.ofMinutes(50).toNanos());
    nextCheck();
    nextCheck();
    assertThat(byDc(store).keySet()).containsExactlyInAnyOrder(own, "dc-a", "dc-b");
  }

  @Test
  void theOwnDcIsNeverPruned() {
    wan.set(Set.of());
    start(Duration.ZERO);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> byDc(store).size() == 1);
    nextCheck();
    nextCheck();
    assertThat(byDc(store).keySet()).containsExactly(own);
  }
}
