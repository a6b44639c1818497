package io.meshfed.transport.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LongSummaryStatistics;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ConnectionAgeTest {
  @Test
  void agesAreDrawnWithinTenPercentBelowTheMaximumAndSpread() {
    Duration max = ConnectionAge.DEFAULT_MAX;
    LongSummaryStatistics ages = LongStream.range(0, 10_000)
        .map(i -> ConnectionAge.drawNanos(max)).summaryStatistics();

    assertThat(ages.getMax()).isLessThanOrEqualTo(max.toNanos());
    assertThat(ages.getMin()).isGreaterThanOrEqualTo(max.toNanos() * 9 / 10);
    assertThat(ages.getMax() - ages.getMin()).as("spread over the 10 %").isGreaterThan(max.toNanos() / 20);
    assertThat(max).isEqualTo(Duration.ofSeconds(20));
  }
}
