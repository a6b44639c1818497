package io.meshfed.actors.federation;

import io.meshfed.actors.time.Backoff;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The limiter and retry delays the routines wait on, as plain computations. */
class FederationTimingTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void theReplicationLimiterAllowsABurstOfFiveThenOneRoundPerSecond() {
    TokenBucket bucket = new TokenBucket(1.0, 5, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(bucket.tryTake(0)).isZero();
    }
    assertThat(bucket.tryTake(0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(bucket.tryTake(SECOND / 2)).isEqualTo(Duration.ofMillis(500));
    assertThat(bucket.tryTake(SECOND)).isZero();
    // Idle time refills up to the burst, not beyond.
    long later = 100 * SECOND;
    for (int i = 0; i < 5; i++) {
      assertThat(bucket.tryTake(later)).isZero();
    }
    assertThat(bucket.tryTake(later)).isPositive();
  }

  @Test
  void replicationRetryDoublesFromOneSecondCapsAtTwoMinutesAndAddsAtMostTenPercent() {
    Backoff d = Backoff.REPLICATION;
    assertThat(d.delay(1, 0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.delay(2, 0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(d.delay(3, 0)).isEqualTo(Duration.ofSeconds(4));
    assertThat(d.delay(8, 0)).isEqualTo(Duration.ofSeconds(120));
    assertThat(d.delay(1000, 0)).isEqualTo(Duration.ofSeconds(120));
    Random seeded = new Random(7);
    for (int n = 1; n < 20; n++) {
      Duration base = d.delay(n, 0);
      assertThat(d.delay(n, seeded.nextDouble())).isBetween(base, base.plus(base.dividedBy(10)));
    }
  }

  @Test
  void antiEntropyRetryFollowsRetryLoopBackoff() {
    Random r = new Random(1);
    assertThat(Backoff.ANTI_ENTROPY.delay(1, r.nextDouble())).isEqualTo(Duration.ofSeconds(2));
    assertThat(Backoff.ANTI_ENTROPY.delay(2, r.nextDouble())).isEqualTo(Duration.ofSeconds(4));
    assertThat(Backoff.ANTI_ENTROPY.delay(8, r.nextDouble())).isEqualTo(Duration.ofSeconds(256));
    assertThat(Backoff.ANTI_ENTROPY.delay(50, r.nextDouble())).isEqualTo(Duration.ofSeconds(256));
  }
}
