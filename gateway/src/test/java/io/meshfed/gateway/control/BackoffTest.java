package io.meshfed.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Duration FIRST = Duration.ofMillis(200);
  private static final Duration MAX = Duration.ofSeconds(5);

  @Test
  void delaysDoubleUpToTheMaximumAndStartOverAfterAReset() {
    Backoff backoff = new Backoff(FIRST, MAX, 0.2, () -> 0.5);
    assertThat(new Duration[] {backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next(),
        backoff.next(), backoff.next()}).extracting(Duration::toMillis)
        .containsExactly(200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L);
    backoff.reset();
    assertThat(backoff.next()).isEqualTo(FIRST);
  }

  @Test
  void jitterSpreadsEachDelayBothWays() {
    assertThat(new Backoff(FIRST, MAX, 0.2, () -> 0.0).next()).isEqualTo(Duration.ofMillis(160));
    assertThat(new Backoff(FIRST, MAX, 0.2, () -> 0.75).next()).isEqualTo(Duration.ofMillis(220));
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, MAX, 0.2, () -> 0.5))
        .hasMessage("backoff needs 0 < first <= max, got PT0S and PT5S");
    assertThatThrownBy(() -> new Backoff(FIRST, MAX, 1.0, () -> 0.5)).hasMessage("jitter must be in [0, 1), got 1.0");
  }
}
