package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The admin port: metrics in the Prometheus text format, health, and nothing else. */
class GatewayAdminTest {
  // Prometheus text format 0.0.4: comment lines, or name{label="value",...} value.
  // (meshfed_, not meshfed_gateway_: the log-event family is the same in servers and gateways)
  private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) meshfed_[a-z_]+ .+");
  private static final Pattern SAMPLE = Pattern.compile(
      "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\""
          + "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\")*})? -?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void metricsAreValidPrometheusTextWithEveryFamily() throws Exception {
    TestPki pki = TestPki.create();
    try (TestServer n1 = TestServer.tls(pki.server("n1.server.dc1.meshfed"),
             Conversations.greetAndEcho("n1", new AtomicLong(), new ConcurrentLinkedQueue<>()));
         MeshGateway gateway = MeshGateway.start(settings(dc1(4, Map.of("n1", n1.address())))
             .admin("127.0.0.1", 0).build())) {
      try (TlsClient client = TlsClient.connect(gateway.listenAddress(), "n1.server.dc1.meshfed", pki.client())) {
        assertThat(client.greeting()).isEqualTo("n1");
      }
      HttpResponse<String> response = get(gateway, "/metrics");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
      List<String> lines = response.body().lines().toList();
      assertThat(response.body()).endsWith("\n");
      assertThat(lines).allSatisfy(line -> assertThat(COMMENT.matcher(line).matches() || SAMPLE.matcher(line).matches())
          .as("line '%s'", line).isTrue());
      assertThat(lines).contains(
          "# TYPE meshfed_gateway_connections_total counter",
          "meshfed_gateway_connections_total{route=\"n1.server.dc1.meshfed\",outcome=\"spliced\"} 1",
          "meshfed_gateway_connections_total{route=\"none\",outcome=\"unknown_sni\"} 0",
          "# TYPE meshfed_gateway_active_connections gauge",
          "# TYPE meshfed_gateway_bytes_total counter",
          "meshfed_gateway_unknown_sni_total 0",
          "# TYPE meshfed_gateway_route_table_version gauge",
          "meshfed_gateway_route_table_version 4",
          "meshfed_gateway_upstream_ejections_total 0");
      assertThat(lines).anyMatch(line -> line.matches(
          "meshfed_gateway_bytes_total\\{route=\"n1.server.dc1.meshfed\",direction=\"downstream_to_upstream\"} [1-9][0-9]*"));
      assertThat(lines).anyMatch(line -> line.matches(
          "meshfed_gateway_bytes_total\\{route=\"n1.server.dc1.meshfed\",direction=\"upstream_to_downstream\"} [1-9][0-9]*"));
      assertThat(lines).anyMatch(line -> line.matches(
          "meshfed_gateway_active_connections\\{route=\"n1.server.dc1.meshfed\"} [01]"));
    }
  }

  @Test
  void healthSaysOkAndEverythingElseIsNotFound() throws Exception {
    try (MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of())).admin("127.0.0.1", 0).build())) {
      HttpResponse<String> health = get(gateway, "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("ok");
      assertThat(get(gateway, "/").statusCode()).isEqualTo(404);
      assertThat(get(gateway, "/metrics/x").statusCode()).isEqualTo(404);
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri(gateway, "/metrics"))
          .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(404);
    }
  }

  private HttpResponse<String> get(MeshGateway gateway, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(gateway, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(MeshGateway gateway, String path) {
    return URI.create("http://127.0.0.1:" + gateway.adminAddress().orElseThrow().getPort() + path);
  }
}
