package io.meshfed.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
  private final GatewayMetrics metrics = new GatewayMetrics(() -> 9, () -> 3);

  @Test
  void routedSeriesCarryOnlyOutcomesPossibleAfterRouting() {
    metrics.route("n1.server.dc1.meshfed").count(Outcome.SPLICED);
    String text = metrics.render();
    assertThat(text)
        .contains("meshfed_gateway_connections_total{route=\"n1.server.dc1.meshfed\",outcome=\"spliced\"} 1\n")
        .contains("meshfed_gateway_connections_total{route=\"n1.server.dc1.meshfed\",outcome=\"limit\"} 0\n")
        .contains("meshfed_gateway_connections_total{route=\"none\",outcome=\"no_sni\"} 0\n")
        .contains("meshfed_gateway_route_table_version 9\n")
        .doesNotContain("route=\"n1.server.dc1.meshfed\",outcome=\"no_sni\"")
        .doesNotContain("route=\"none\",outcome=\"spliced\"");
  }

  @Test
  void theGatewaysCapAndTheAdminPortHaveTheirSeries() {
    metrics.unrouted().count(Outcome.LIMIT);
    metrics.countAdminClosure(AdminClosure.IDLE_TIMEOUT);
    assertThat(metrics.render())
        .contains("meshfed_gateway_connections_total{route=\"none\",outcome=\"limit\"} 1\n")
        .contains("# TYPE meshfed_gateway_open_connections gauge\nmeshfed_gateway_open_connections 3\n")
        .contains("meshfed_gateway_admin_connections_closed_total{reason=\"limit\"} 0\n")
        .contains("meshfed_gateway_admin_connections_closed_total{reason=\"request_timeout\"} 0\n")
        .contains("meshfed_gateway_admin_connections_closed_total{reason=\"idle_timeout\"} 1\n");
  }

  @Test
  void labelValuesAreEscaped() {
    metrics.route("a\"b\\c\nd").count(Outcome.SPLICED);
    assertThat(metrics.render()).contains("route=\"a\\\"b\\\\c\\nd\"");
  }

  @Test
  void theCapCountsOpenConnections() {
    RouteStats stats = metrics.route("r.server.dc1.meshfed");
    assertThat(stats.tryOpen(2)).isTrue();
    assertThat(stats.tryOpen(2)).isTrue();
    assertThat(stats.tryOpen(2)).isFalse();
    stats.closed();
    assertThat(stats.tryOpen(2)).isTrue();
    assertThat(stats.active()).isEqualTo(2);
  }
}
