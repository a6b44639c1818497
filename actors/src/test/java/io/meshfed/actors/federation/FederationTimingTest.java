package io.meshfed.actors.federation;

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
    Random noJitter = new Random() {
      @Override
      public double nextDouble() {
        return 0;
      }
    };
    RetryDelay d = RetryDelay.REPLICATION;
    assertThat(d.after(1, noJitter)).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.after(2, noJitter)).isEqualTo(Duration.ofSeconds(2));
    assertThat(d.after(3, noJitter)).isEqualTo(Duration.ofSeconds(4));
    assertThat(d.after(8, noJitter)).isEqualTo(Duration.ofSeconds(120));
    assertThat(d.after(1000, noJitter)).isEqualTo(Duration.ofSeconds(120));
    Random seeded = new Random(7);
    for (int n = 1; n < 20; n++) {
      Duration base = d.after(n, noJitter);
      assertThat(d.after(n, seeded)).isBetween(base, base.plus(base.dividedBy(10)));
    }
  }

  @Test
  void antiEntropyRetryFollowsRetryLoopBackoff() {
    Random r = new Random(1);
    assertThat(RetryDelay.ANTI_ENTROPY.after(1, r)).isEqualTo(Duration.ofSeconds(2));
    assertThat(RetryDelay.ANTI_ENTROPY.after(2, r)).isEqualTo(Duration.ofSeconds(4));
    assertThat(RetryDelay.ANTI_ENTROPY.after(8, r)).isEqualTo(Duration.ofSeconds(256));
    assertThat(RetryDelay.ANTI_ENTROPY.after(50, r)).isEqualTo(Duration.ofSeconds(256));
  }
}
