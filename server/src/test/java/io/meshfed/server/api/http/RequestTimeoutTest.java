package io.meshfed.server.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.store.QueryOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A blocking read's request timeout lies past everything it may wait for: the wait as the store
 * applies it (5 m without {@code wait}, at most 10 m), its jitter, and the endpoint's own deadline.
 * The long waits themselves are exercised by BlockingReadsBenchmarkTest (on request, minutes long).
 */
class RequestTimeoutTest {
  private static Duration timeoutOf(long index, Duration wait) {
    return HttpApi.requestTimeout(new QueryOptions("", index, wait));
  }

  @Test
  void coversTheWholeWaitWithJitterAndTheEndpointsDeadline() {
    assertThat(timeoutOf(7, Duration.ofSeconds(25))).isEqualTo(Duration.ofMillis(26_562).plusNanos(500_000).plusSeconds(15));
    assertThat(timeoutOf(7, Duration.ZERO)).as("default wait 5 m")
        .isEqualTo(Duration.ofMinutes(5).plusMillis(18_750).plusSeconds(15));
    assertThat(timeoutOf(7, Duration.ofMinutes(90))).as("capped at 10 m")
        .isEqualTo(Duration.ofMinutes(10).plusMillis(37_500).plusSeconds(15));
  }
}
