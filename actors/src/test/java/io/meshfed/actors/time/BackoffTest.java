package io.meshfed.actors.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2);

  @Test
  void doublesFromMinAndCapsAtMax() {
    assertThat(backoff.delay(1, 0.0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(2, 0.0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(backoff.delay(6, 0.0)).isEqualTo(Duration.ofSeconds(32));
    assertThat(backoff.delay(7, 0.0)).isEqualTo(Duration.ofSeconds(60));
    assertThat(backoff.delay(1_000, 0.0)).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void jitterStretchesByAtMostTheRandomFactor() {
    assertThat(backoff.delay(1, 0.5)).isEqualTo(Duration.ofMillis(1_100));
    assertThat(backoff.delay(1_000, 0.999_999)).isLessThan(Duration.ofSeconds(72));
  }

  @Test
  void doesNotOverflowWithHugeMax() {
    Backoff huge = new Backoff(Duration.ofNanos(1), Duration.ofNanos(Long.MAX_VALUE), 0.0);
    assertThat(huge.delay(200, 0.0)).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0.2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0.2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSupervisedActorMustRunForTheLongestWaitBeforeItsFailuresAreForgotten() {
    assertThat(Backoff.SUPERVISION.restartStrategy().resetBackoffAfter().toMillis())
        .isEqualTo(Backoff.SUPERVISION.max().toMillis());
  }
}
