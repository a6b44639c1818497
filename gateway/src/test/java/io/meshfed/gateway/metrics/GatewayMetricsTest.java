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

  @Test
  void aClosedConnectionIsTimedByItsRouteAndTwoGatewaysDoNotShareSeries() {
    RouteStats stats = metrics.route("server.dc2.meshfed");
    assertThat(stats.tryOpen(1)).isTrue();
    stats.closed(System.nanoTime() - 2_000_000_000L);
    String text = metrics.render();
    assertThat(text)
        .contains("meshfed_gateway_connection_duration_seconds_bucket{route=\"server.dc2.meshfed\",le=\"1.0\"} 0\n")
        .contains("meshfed_gateway_connection_duration_seconds_bucket{route=\"server.dc2.meshfed\",le=\"5.0\"} 1\n")
        .contains("meshfed_gateway_connection_duration_seconds_count{route=\"server.dc2.meshfed\"} 1\n");
    assertThat(stats.active()).isZero();
    assertThat(new GatewayMetrics(() -> 1, () -> 0).render()).doesNotContain("meshfed_gateway_connection_duration");
  }

  @Test
  void endpointHealthIsShownByRouteAndInAll() {
    metrics.endpoints(() -> java.util.Map.of("server.dc1.meshfed", new GatewayMetrics.Endpoints(2, 1),
        "server.dc2.meshfed", new GatewayMetrics.Endpoints(0, 1)));
    assertThat(metrics.render())
        .contains("meshfed_gateway_route_endpoints{route=\"server.dc1.meshfed\",state=\"healthy\"} 2\n")
        .contains("meshfed_gateway_route_endpoints{route=\"server.dc1.meshfed\",state=\"ejected\"} 1\n")
        .contains("meshfed_gateway_route_endpoints{route=\"server.dc2.meshfed\",state=\"healthy\"} 0\n")
        .contains("# TYPE meshfed_gateway_healthy_endpoints gauge\nmeshfed_gateway_healthy_endpoints 2\n");
    metrics.endpoints(java.util.Map::of);
    assertThat(metrics.render()).contains("meshfed_gateway_healthy_endpoints 0\n");
  }
}
