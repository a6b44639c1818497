package io.meshfed.transport.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogEventsTest {
  @Test
  void reasonsAreLoggersShortClassNamesAndAnythingElseIsOther() {
    assertThat(LogEvents.reason("io.meshfed.actors.wan.WanMembership")).isEqualTo("WanMembership");
    assertThat(LogEvents.reason("Slf4jLogger")).isEqualTo("Slf4jLogger");
    // a logger named after an actor path or an address could carry anything a peer chose
    assertThat(LogEvents.reason("pekko://meshfed@10.0.0.1:8301/user/x")).isEqualTo(LogEvents.OTHER);
    assertThat(LogEvents.reason("a.b.")).isEqualTo(LogEvents.OTHER);
    assertThat(LogEvents.reason(null)).isEqualTo(LogEvents.OTHER);
  }

  @Test
  void everyRegistryShowsTheCountsAndTheirNumberIsBounded() {
    Meters one = new Meters();
    assertThat(one.scrape()).contains("meshfed_log_events_total{level=\"error\",reason=\"other\"}")
        .contains("meshfed_log_events_total{level=\"warn\",reason=\"other\"}");
    long before = LogEvents.counted(LogEvents.Level.WARN, "LogEventsTest");
    LogEvents.count(LogEvents.Level.WARN, LogEventsTest.class.getName());
    LogEvents.count(LogEvents.Level.WARN, LogEventsTest.class.getName());
    assertThat(LogEvents.counted(LogEvents.Level.WARN, "LogEventsTest")).isEqualTo(before + 2);
    Meters two = new Meters();
    for (Meters m : new Meters[] {one, two}) {
      assertThat(m.scrape()).contains("meshfed_log_events_total{level=\"warn\",reason=\"LogEventsTest\"} "
          + (double) (before + 2) + "\n");
    }
    for (int i = 0; i < LogEvents.MAX_REASONS + 20; i++) {
      LogEvents.count(LogEvents.Level.ERROR, "x.Flood" + i);
    }
    long series = one.scrape().lines().filter(l -> l.startsWith("meshfed_log_events_total{level=\"error\"")).count();
    assertThat(series).isEqualTo(LogEvents.MAX_REASONS);
    assertThat(LogEvents.counted(LogEvents.Level.ERROR, LogEvents.OTHER)).isGreaterThanOrEqualTo(20);
  }
}
