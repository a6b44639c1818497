package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * docs/monitoring/alerts.yml: valid for Prometheus ({@code promtool check rules}) and behaving as its
 * unit tests say ({@code promtool test rules alerts-test.yml}: input series, expected alerts and their
 * text at given times). That the metrics they name exist is {@link MetricsProcessTest}'s part.
 */
class MonitoringRulesTest {
  @Test
  void alertRulesAreValidAndPassTheirUnitTests() throws Exception {
    Promtool.require("MonitoringRulesTest");
    Promtool.Run check = Promtool.run(null, "check", "rules", "alerts.yml");
    assertThat(check.exitCode()).as("promtool check rules alerts.yml:\n" + check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS");
    Promtool.Run test = Promtool.run(null, "test", "rules", "alerts-test.yml");
    assertThat(test.exitCode()).as("promtool test rules alerts-test.yml:\n" + test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS").doesNotContain("FAILED");
  }

  @Test
  void everyAlertHasAUnitTest() throws Exception {
    String rules = Promtool.read("alerts.yml");
    String tests = Promtool.read("alerts-test.yml");
    java.util.regex.Matcher alert = java.util.regex.Pattern.compile("(?m)^\\s*- alert: (\\S+)").matcher(rules);
    int n = 0;
    while (alert.find()) {
      n++;
      assertThat(tests).as("alerts-test.yml tests " + alert.group(1)).contains("alertname: " + alert.group(1));
    }
    assertThat(n).as("alerts in alerts.yml").isGreaterThanOrEqualTo(5);
  }
}
