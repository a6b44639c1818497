package io.meshfed.server;

import static io.meshfed.server.TestServers.get;
import static io.meshfed.server.TestServers.index;
import static io.meshfed.server.TestServers.json;
import static io.meshfed.server.TestServers.put;
import static io.meshfed.server.TestServers.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The HTTP API of a real single-server DC: shapes, blocking reads, validation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiTest {
  @TempDir static Path dir;
  MeshfedServer server;

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    TestServers.stop(server);
  }

  @Test
  void applyThenReadInEveryShape() throws Exception {
    assertThat(get(server, "/v1/internal/federation-state/dc9", null).statusCode()).isEqualTo(404);
    assertThat(get(server, "/v1/internal/federation-state/dc9", null).body()).isEmpty();

    HttpResponse<String> w = put(server, "/v1/internal/federation-state", upsert("dc2"), null);
    assertThat(w.statusCode()).as(w.body()).isEqualTo(200);
    long idx = json(w).get("Index").asLong();
    assertThat(json(w).get("Applied").asBoolean()).isTrue();

    HttpResponse<String> one = get(server, "/v1/internal/federation-state/DC2", null);
    assertThat(one.statusCode()).isEqualTo(200);
    JsonNode state = json(one).get("State");
    assertThat(state.get("Datacenter").asText()).isEqualTo("dc2");
    assertThat(state.get("ModifyIndex").asLong()).isEqualTo(idx);
    assertThat(state.get("PrimaryModifyIndex").asLong()).isEqualTo(idx);
    assertThat(state.get("UpdatedAt").asText()).isNotEmpty();
    assertThat(state.at("/MeshGateways/0/Service/TaggedAddresses/wan/Port").asInt()).isEqualTo(443);
    assertThat(json(one).get("KnownLeader").asBoolean()).isTrue();

    JsonNode list = json(get(server, "/v1/internal/federation-states", null));
    assertThat(list.isArray()).isTrue();
    assertThat(list.findValuesAsText("Datacenter")).contains("dc2");

    JsonNode gateways = json(get(server, "/v1/internal/federation-states/mesh-gateways", null));
    assertThat(gateways.get("dc2").get(0).at("/Node/Node").asText()).isEqualTo("gw-dc2");
  }

  @Test
  void blockingReadReturnsPromptlyOnWriteAndAfterWaitOtherwise() throws Exception {
    long start = index(get(server, "/v1/internal/federation-states", null));

    long t0 = System.nanoTime();
    HttpResponse<String> idle = get(server, "/v1/internal/federation-states?index=" + start + "&wait=400ms", null);
    long idleMillis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(index(idle)).isEqualTo(start);
    assertThat(idleMillis).isGreaterThanOrEqualTo(400);

    CompletableFuture<HttpResponse<String>> parked = CompletableFuture.supplyAsync(() -> {
      try {
        return get(server, "/v1/internal/federation-states?index=" + start + "&wait=30s", null);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    // The parked read has not answered: nothing changed yet.
    assertThat(parked).isNotDone();
    long written = json(put(server, "/v1/internal/federation-state", upsert("dc7"), null)).get("Index").asLong();
    HttpResponse<String> woken = parked.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(index(woken)).isEqualTo(written).isGreaterThan(start);
    assertThat(woken.body()).contains("dc7");
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> badApplies() {
    String bigMeta = IntStream.range(0, 65).mapToObj(i -> "\"k" + i + "\":\"v\"")
        .collect(Collectors.joining(",", "{", "}"));
    String longKey = "{\"" + "k".repeat(129) + "\":\"v\"}";
    String longValue = "{\"k\":\"" + "v".repeat(513) + "\"}";
    return java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of("{\"Op\":\"upsert\",\"State\":{}}",
            "invalid request: missing federation state datacenter"),
        org.junit.jupiter.params.provider.Arguments.of("{\"Op\":\"upsert\"}",
            "invalid request: missing federation state datacenter"),
        org.junit.jupiter.params.provider.Arguments.of("{\"Op\":\"frob\",\"State\":{\"Datacenter\":\"dc3\"}}",
            "Invalid federation state operation: frob"),
        org.junit.jupiter.params.provider.Arguments.of(upsert("dc3", "gw", bigMeta), "65 pairs exceed the limit of 64"),
        org.junit.jupiter.params.provider.Arguments.of(upsert("dc3", "gw", longKey), "the limit is 128"),
        org.junit.jupiter.params.provider.Arguments.of(upsert("dc3", "gw", longValue), "the limit is 512"),
        org.junit.jupiter.params.provider.Arguments.of(upsert("DC.3"), "invalid datacenter name 'DC.3'"),
        org.junit.jupiter.params.provider.Arguments.of("{not json", "Request decode failed"),
        org.junit.jupiter.params.provider.Arguments.of("", "Request decode failed: the body is empty"));
  }

  @ParameterizedTest
  @MethodSource("badApplies")
  void rejectedApplyIsOneClearErrorAndChangesNothing(String body, String message) throws Exception {
    HttpResponse<String> before = get(server, "/v1/internal/federation-states", null);
    HttpResponse<String> r = put(server, "/v1/internal/federation-state", body, null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains(message).doesNotContain("\n");
    HttpResponse<String> after = get(server, "/v1/internal/federation-states", null);
    assertThat(index(after)).isEqualTo(index(before));
    assertThat(after.body()).isEqualTo(before.body());
  }

  @Test
  void badQueryParametersAndPaths() throws Exception {
    HttpResponse<String> wait = get(server, "/v1/internal/federation-states?index=1&wait=soon", null);
    assertThat(wait.statusCode()).isEqualTo(400);
    assertThat(wait.body()).startsWith("Invalid wait time");
    HttpResponse<String> idx = get(server, "/v1/internal/federation-states?index=-4", null);
    assertThat(idx.statusCode()).isEqualTo(400);
    assertThat(idx.body()).startsWith("Invalid index");
    HttpResponse<String> missing = get(server, "/v1/internal/federation-state/", null);
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body()).isEqualTo("Missing datacenter name");
    HttpResponse<String> otherDc = get(server, "/v1/internal/federation-states?dc=dc9", null);
    assertThat(otherDc.statusCode()).isEqualTo(503);
    assertThat(otherDc.body()).isEqualTo("No path to datacenter \"dc9\": cross-DC calls need TLS (meshfed.tls) "
        + "and are never sent in plaintext");
  }

  @Test
  void serverRegistersItselfAndCatalogWritesWork() throws Exception {
    // The leader's member-reconcile routine registers every server of the DC, this one included.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      JsonNode self = json(get(server, "/v1/health/service/meshfed", null));
      assertThat(self.get(0).at("/Node/Node").asText()).isEqualTo("n1");
      assertThat(self.get(0).at("/Service/Port").asInt()).isEqualTo(server.config().ports().server());
      assertThat(self.get(0).at("/Checks/0/Status").asText()).isEqualTo("passing");
    });

    String register = """
        {"Node":"gw1.example.com","Address":"10.0.0.9",
         "Service":{"Service":"mesh-gateway","Kind":"mesh-gateway","Port":8443,"Meta":{"meshfed-wan-federation":"1"},
                    "TaggedAddresses":{"wan":{"Address":"198.51.100.9","Port":443}}},
         "Check":{"CheckID":"gw1-alive","Name":"alive","Status":"passing","ServiceID":"mesh-gateway"}}
        """;
    assertThat(put(server, "/v1/catalog/register", register, null).statusCode()).isEqualTo(200);
    JsonNode gws = json(get(server, "/v1/internal/catalog/services?kind=mesh-gateway", null));
    assertThat(gws.findValuesAsText("Node")).contains("gw1.example.com");

    HttpResponse<String> upd = put(server, "/v1/catalog/check-update",
        "{\"Node\":\"gw1.example.com\",\"CheckID\":\"gw1-alive\",\"Status\":\"critical\",\"Output\":\"gone\"}", null);
    assertThat(upd.statusCode()).as(upd.body()).isEqualTo(200);
    assertThat(json(get(server, "/v1/health/service/mesh-gateway?passing", null)).size()).isZero();
    JsonNode flat = json(get(server, "/v1/catalog/service/mesh-gateway", null));
    assertThat(flat.get(0).get("ServiceKind").asText()).isEqualTo("mesh-gateway");

    HttpResponse<String> badStatus = put(server, "/v1/catalog/check-update",
        "{\"Node\":\"gw1.example.com\",\"CheckID\":\"gw1-alive\",\"Status\":\"sideways\"}", null);
    assertThat(badStatus.statusCode()).isEqualTo(400);

    assertThat(put(server, "/v1/catalog/deregister", "{\"Node\":\"gw1.example.com\"}", null).statusCode())
        .isEqualTo(200);
    assertThat(json(get(server, "/v1/internal/catalog/services?kind=mesh-gateway", null)).size()).isZero();
  }

  @Test
  void aFirstRequestWithABodyFromAnHttp2PreferringClientIsServedOverHttp11() throws Exception {
    // The JDK client offers an h2c upgrade on every new connection; the HTTP API must decline it.
    java.net.http.HttpClient fresh = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_2).build();
    HttpResponse<String> r = fresh.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://" + server.httpAddress() + "/v1/internal/federation-state"))
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(upsert("dc8"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
  }

  @Test
  void theLeadersRoutinesAreVisible() throws Exception {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      HttpResponse<String> r = get(server, "/v1/operator/routines", null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode report = json(r);
      assertThat(report.get("Leader").asText()).isEqualTo("n1");
      assertThat(report.get("Routines")).extracting(rt -> rt.get("Name").asText())
          .containsExactly("federation-state-anti-entropy", "federation-state-pruning", "member-reconcile",
              "tcp-checks");
      for (JsonNode routine : report.get("Routines")) {
        assertThat(routine.get("Running").asBoolean()).isTrue();
        assertThat(routine.get("Restarts").asInt()).isZero();
        assertThat(routine.get("LastError").asText()).isEmpty();
      }
    });
  }

  @Test
  void metricsAreValidPrometheusTextAndTheLocatorIsVisible() throws Exception {
    HttpResponse<String> r = get(server, "/v1/agent/metrics", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
    for (String line : r.body().split("\n")) {
      assertThat(line).matches("# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? -?[0-9.]+");
    }
    assertThat(r.body()).contains("meshfed_federation_state_replication_running 0\n",
        "meshfed_federation_states_enabled 1\n", "meshfed_wan_members{datacenter=\"dc1\",status=\"alive\"} 1\n",
        "meshfed_wan_members_suspect 0\n", "meshfed_replication_wedged_total{table=\"federation-states\"} 0\n",
        "meshfed_replication_wedged_total{table=\"acl\"} 0\n");
    // Without TLS nothing crosses DCs: the locator does not run, and says so by never populating.
    JsonNode locator = json(get(server, "/v1/agent/gateway-locator", null));
    assertThat(locator.get("Populated").asBoolean()).isFalse();
    assertThat(locator.get("LocalGateways")).isEmpty();
  }

  @Test
  void membersAndLeader() throws Exception {
    JsonNode lan = json(get(server, "/v1/agent/members", null));
    assertThat(lan.get(0).get("Name").asText()).isEqualTo("n1");
    assertThat(lan.get(0).at("/Tags/leader").asText()).isEqualTo("true");
    // each server's own release (the LAN cluster's app-version), so a rolling upgrade shows who runs what
    assertThat(lan.get(0).at("/Tags/version").asText()).isEqualTo(io.meshfed.protocol.version.Versions.RELEASE);
    assertThat(lan.get(0).get("Port").asInt()).isEqualTo(server.config().ports().lan());
    assertThat(lan.get(0).get("Status").asText()).isEqualTo("alive");
    JsonNode wan = json(get(server, "/v1/agent/members?wan=1", null));
    assertThat(wan.get(0).get("Name").asText()).isEqualTo("n1.dc1");
    assertThat(wan.get(0).at("/Tags/version").asText()).isEqualTo(io.meshfed.protocol.version.Versions.RELEASE);
    assertThat(json(get(server, "/v1/status/leader", null)).asText())
        .isEqualTo("127.0.0.1:" + server.config().ports().server());
  }

  @Test
  void blockingWaitIsBoundedByTheParameter() throws Exception {
    long start = index(get(server, "/v1/internal/federation-state/nowhere", null));
    long t0 = System.nanoTime();
    HttpResponse<String> r = get(server, "/v1/internal/federation-state/nowhere?index=" + start + "&wait=300ms", null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }
}
