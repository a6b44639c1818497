package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfigLoader;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.server.endpoint.FederationStateEndpoint;
import io.meshfed.actors.forward.Dialer;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.protocol.v1.QueryOptions;
import io.meshfed.transport.tls.CertificateTool;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding across DCs: two single-server DCs with TLS. dc2 reaches dc1 through
 * primary-gateways and dc1 reaches dc2 through static-gateways; with no mesh gateway, those name
 * the other server's server port, which is what a gateway would splice the connection to. dc2 has
 * static-gateways too: a secondary given only primary-gateways joins the WAN once a mesh gateway of
 * its own is registered, and here there is none. The
 * servers start by forming the federation: WAN membership, anti-entropy and replication settle
 * before any test runs, so the only writes afterwards are the tests' own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoDatacenterForwardingTest {
  @TempDir static Path dir;
  MeshfedServer dc1;
  MeshfedServer dc2;
  int dc1ServerPort;
  int dc2ServerPort;
  CertificateTool.Issued ca;

  @BeforeAll
  void start() throws Exception {
    ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    write("ca.pem", ca.certificatePem());
    dc1ServerPort = TestServers.freePort();
    dc2ServerPort = TestServers.freePort();
    dc1 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        options("dc1", "n1", dc1ServerPort, tls("dc1", "n1"), Map.of("static-gateways.dc2",
            List.of("127.0.0.1:" + dc2ServerPort)))));
    dc2 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        options("dc2", "n2", dc2ServerPort, tls("dc2", "n2"), Map.of("primary-gateways",
            List.of("127.0.0.1:" + dc1ServerPort), "static-gateways.dc1", List.of("127.0.0.1:" + dc1ServerPort)))));
    // Each DC's own (gateway-less) state, pushed by anti-entropy to dc1 and replicated to dc2.
    for (MeshfedServer server : List.of(dc1, dc2)) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        HttpResponse<String> r = TestServers.get(server, "/v1/internal/federation-states", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(TestServers.json(r)).extracting(st -> st.get("Datacenter").asText()).containsExactly("dc1", "dc2");
      });
    }
  }

  @AfterAll
  void stop() throws Exception {
    TestServers.stop(dc2);
    TestServers.stop(dc1);
  }

  private Map<String, Object> options(String dc, String node, int serverPort, Map<String, Object> tls,
      Map<String, Object> extra) {
    Map<String, Object> o = new HashMap<>(tls);
    o.putAll(extra);
    o.put("datacenter", dc);
    o.put("primary-datacenter", "dc1");
    o.put("node-name", node);
    o.put("data-dir", dir.resolve(dc).toString());
    o.put("ports.server", serverPort);
    return o;
  }

  private Map<String, Object> tls(String dc, String node) throws Exception {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, dc, node, "meshfed", Duration.ofDays(30));
    return Map.of("tls.ca-file", dir.resolve("ca.pem").toString(),
        "tls.cert-file", write(dc + "-" + node + ".pem", cert.certificatePem()).toString(),
        "tls.key-file", write(dc + "-" + node + "-key.pem", cert.privateKeyPem()).toString());
  }

  private static Path write(String name, String pem) throws Exception {
    return Files.writeString(dir.resolve(name), pem);
  }

  /**
   * The counters that show the primary's load per secondary: dc2 counts its replication reads and
   * anti-entropy pushes, and dc1 counts the internal RPCs it served by method and by the DC that
   * sent them, so that the two sides can be compared.
   */
  @Test
  void theSecondarysRoundsAndPushesAndThePrimarysCallsByDcAreCounted() throws Exception {
    long pushesBefore = counter(dc2, "meshfed_federation_state_anti_entropy_pushes_total");
    long roundsBefore = counter(dc2, "meshfed_federation_state_replication_rounds_total");
    String applies = "meshfed_internal_rpc_calls_total{method=\"FederationState.Apply\",dc=\"dc2\"}";
    String lists = "meshfed_internal_rpc_calls_total{method=\"FederationState.List\",dc=\"dc2\"}";
    long appliesBefore = counter(dc1, applies);
    long listsBefore = counter(dc1, lists);
    // Formed federation: dc2 has pushed its own record and reads dc1's with a parked blocking read.
    assertThat(pushesBefore).isPositive();
    assertThat(roundsBefore).isPositive();
    assertThat(appliesBefore).isPositive();
    assertThat(listsBefore).isPositive();
    assertThat(counter(dc1, "meshfed_federation_state_anti_entropy_pushes_total")).as("dc1's own writes").isPositive();

    // A change in dc1 answers dc2's parked read: one more round, seen on both sides.
    assertThat(TestServers.put(dc1, "/v1/internal/federation-state", TestServers.upsert("counted-dc"), null).statusCode())
        .isEqualTo(200);
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(counter(dc2, "meshfed_federation_state_replication_rounds_total")).isGreaterThan(roundsBefore);
      assertThat(counter(dc1, lists)).isGreaterThan(listsBefore);
    });
    // dc2's pushes and dc1's count of Apply calls from dc2 move together (no new push here).
    assertThat(counter(dc1, applies) - appliesBefore)
        .isEqualTo(counter(dc2, "meshfed_federation_state_anti_entropy_pushes_total") - pushesBefore);
    assertThat(TestServers.get(dc1, "/v1/agent/metrics", null).body())
        .contains("# TYPE meshfed_internal_rpc_calls_total counter\n")
        .doesNotContain("dc=\"dc1\"");
  }

  /**
   * Two servers in one JVM, each with its own registry: dc2's replication rounds and its internal RPCs
   * to dc1 are timed in dc2's scrape only (dc1, the primary, replicates nothing), and a forward to a DC
   * with no path is not timed at all.
   */
  @Test
  void eachServerOfTheJvmTimesItsOwnCallsAndRounds() throws Exception {
    String rounds = "meshfed_replication_round_duration_seconds_count{outcome=\"ok\",table=\"federation-states\"}";
    String toDc1 = "meshfed_internal_rpc_client_duration_seconds_count{datacenter=\"dc1\","
        + "method=\"FederationState.List\",outcome=\"ok\"}";
    assertThat(TestServers.get(dc2, "/v1/internal/federation-states?dc=dc9", null).statusCode()).isEqualTo(503);
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(sample(dc2, rounds)).as("dc2's rounds").isPositive();
      assertThat(sample(dc2, toDc1)).as("dc2's reads of dc1's states").isPositive();
    });
    assertThat(sample(dc1, rounds)).as("the primary's rounds").isZero();
    assertThat(sample(dc1, toDc1)).as("calls dc1 made to itself across the WAN").isZero();
    assertThat(TestServers.get(dc2, "/v1/agent/metrics", null).body()).doesNotContain("datacenter=\"dc9\"");
  }

  /** A sample's value (Micrometer writes floating point), 0 when the series is absent. */
  private static double sample(MeshfedServer server, String series) throws Exception {
    return TestServers.get(server, "/v1/agent/metrics", null).body().lines().filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst().orElse(0);
  }

  private static long counter(MeshfedServer server, String series) throws Exception {
    return TestServers.get(server, "/v1/agent/metrics", null).body().lines().filter(l -> l.startsWith(series + " "))
        .mapToLong(l -> Long.parseLong(l.substring(series.length() + 1))).findFirst().orElse(0);
  }

  @Test
  void aReadForAnotherDcIsForwardedAndAnswered() throws Exception {
    assertThat(TestServers.put(dc1, "/v1/internal/federation-state", TestServers.upsert("dc7"), null).statusCode())
        .isEqualTo(200);
    HttpResponse<String> viaDc2 = TestServers.get(dc2, "/v1/internal/federation-state/dc7?dc=dc1", null);
    assertThat(viaDc2.statusCode()).as(viaDc2.body()).isEqualTo(200);
    assertThat(TestServers.json(viaDc2).at("/State/Datacenter").asText()).isEqualTo("dc7");
    // The same record, read in dc1 itself.
    assertThat(viaDc2.body()).isEqualTo(TestServers.get(dc1, "/v1/internal/federation-state/dc7", null).body());

    ActorSystem<Void> clientSystem = ActorSystem.create(Behaviors.empty(), "forwarding-client");
    try {
      FederationStateServiceClient grpc = FederationStateServiceClient.create(GrpcClientSettings
          .connectToServiceAt("127.0.0.1", dc2.grpcPort(), clientSystem).withTls(false), clientSystem);
      var got = grpc.get(GetFederationStateRequest.newBuilder().setDatacenter("dc7").setTargetDatacenter("dc1")
          .build()).toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(got.getState().getDatacenter()).isEqualTo("dc7");
      grpc.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      clientSystem.terminate();
      clientSystem.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    // dc1 reaches dc2 too, and reads dc2's own store (which replication keeps equal to dc1's).
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      HttpResponse<String> dc2List = TestServers.get(dc1, "/v1/internal/federation-states?dc=dc2", null);
      assertThat(dc2List.statusCode()).as(dc2List.body()).isEqualTo(200);
      assertThat(dc2List.body()).isEqualTo(TestServers.get(dc2, "/v1/internal/federation-states", null).body());
    });
  }

  @Test
  void aWatchOfAnotherDcIsServedThroughForwardedBlockingReads() throws Exception {
    ActorSystem<Void> clientSystem = ActorSystem.create(Behaviors.empty(), "watch-client");
    try {
      FederationStateServiceClient grpc = FederationStateServiceClient.create(GrpcClientSettings
          .connectToServiceAt("127.0.0.1", dc2.grpcPort(), clientSystem).withTls(false), clientSystem);
      BlockingQueue<ListFederationStatesResponse> seen = new LinkedBlockingQueue<>();
      grpc.watchList(ListFederationStatesRequest.newBuilder()
              .setOptions(QueryOptions.newBuilder().setDatacenter("dc1")).build())
          .take(2).runWith(Sink.foreach(seen::add), clientSystem);
      ListFederationStatesResponse first = seen.poll(20, TimeUnit.SECONDS);
      assertThat(first).as("the current result of dc1").isNotNull();
      assertThat(first.getStatesList()).noneMatch(st -> st.getDatacenter().equals("dc8"));

      assertThat(TestServers.put(dc1, "/v1/internal/federation-state", TestServers.upsert("dc8"), null).statusCode())
          .isEqualTo(200);
      ListFederationStatesResponse second = seen.poll(20, TimeUnit.SECONDS);
      assertThat(second).as("the change in dc1, pushed to a watcher connected to dc2").isNotNull();
      assertThat(second.getMeta().getIndex()).isGreaterThan(first.getMeta().getIndex());
      assertThat(second.getStatesList()).anyMatch(st -> st.getDatacenter().equals("dc8"));
      grpc.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      clientSystem.terminate();
      clientSystem.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aMalformedForwardedRequestIsRefusedAndChangesNothing() throws Exception {
    String before = TestServers.get(dc1, "/v1/internal/federation-states", null).body();
    byte[] garbage = {0x0a, 0x7f, 0x01};
    for (String method : List.of(FederationStateEndpoint.APPLY, FederationStateEndpoint.GET,
        FederationStateEndpoint.LIST, FederationStateEndpoint.LIST_MESH_GATEWAYS)) {
      assertThatThrownBy(() -> dc2.internalRpc().call("dc1", Dialer.ANY_SERVER, method, garbage,
              Duration.ofSeconds(10)).toCompletableFuture().get(20, TimeUnit.SECONDS))
          .as(method).cause().isInstanceOf(ApiException.class)
          .hasMessageStartingWith("malformed forwarded request: ")
          .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ApiException.Code.INVALID_ARGUMENT));
    }
    assertThat(TestServers.get(dc1, "/v1/internal/federation-states", null).body()).isEqualTo(before);
  }

  /**
   * The secondary's replication reads tell the primary what it holds: the rollout shows dc2 current
   * with dc1's own index, asked in either DC (dc2 forwards), and bad questions are one clear 400.
   */
  @Test
  void theRolloutShowsWhatTheSecondaryHoldsAndIsAnsweredInEitherDc() throws Exception {
    String path = "/v1/internal/federation-states/rollout";
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      HttpResponse<String> r = TestServers.get(dc1, path, null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode rollout = TestServers.json(r);
      assertThat(rollout.get("Primary").asText()).isEqualTo("dc1");
      // Other tests here add DCs: a state written for a DC that never reads stays unknown.
      JsonNode dc2 = null;
      boolean allCurrent = true;
      for (JsonNode d : rollout.get("Datacenters")) {
        dc2 = d.get("Datacenter").asText().equals("dc2") ? d : dc2;
        allCurrent &= d.get("Status").asText().equals("current");
      }
      assertThat(dc2).as(r.body()).isNotNull();
      assertThat(dc2.get("Status").asText()).as(r.body()).isEqualTo("current");
      assertThat(dc2.get("PrimaryStateIndex").asLong()).isEqualTo(rollout.get("PrimaryStateIndex").asLong())
          .isPositive();
      assertThat(dc2.get("HeardBy").asText()).isEqualTo("n1");
      assertThat(rollout.get("Complete").asBoolean()).as(r.body()).isEqualTo(allCurrent);
    });
    HttpResponse<String> viaDc2 = TestServers.get(dc2, path, null);
    assertThat(viaDc2.statusCode()).as(viaDc2.body()).isEqualTo(200);
    assertThat(TestServers.json(viaDc2).get("Primary").asText()).isEqualTo("dc1");

    // dc1 has no gateway here: removing one it does not have is a 400 that says so, from either DC.
    for (MeshfedServer server : List.of(dc1, dc2)) {
      HttpResponse<String> unknown = TestServers.get(server, path + "?remove=gw9", null);
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(unknown.body()).isEqualTo("\"gw9\" is not a gateway of dc1: its gateways are none");
    }
    HttpResponse<String> blank = TestServers.get(dc1, path + "?remove=%20", null);
    assertThat(blank.statusCode()).isEqualTo(400);
    assertThat(blank.body()).startsWith("invalid request: a gateway to remove must be a node name or host:port");
    String tooMany = path + "?" + String.join("&", java.util.Collections.nCopies(65, "remove=gw1"));
    HttpResponse<String> many = TestServers.get(dc1, tooMany, null);
    assertThat(many.statusCode()).isEqualTo(400);
    assertThat(many.body()).isEqualTo("invalid request: at most 64 gateways can be removed at once, got 65");
  }

  /** A report that claims to come from the primary itself is refused with its read, and recorded nowhere. */
  @Test
  void aReplicationReadWithABadReportIsRefusedAndRecordsNothing() throws Exception {
    byte[] forged = io.meshfed.protocol.internal.Forwarded.newBuilder()
        .setRequest(ListFederationStatesRequest.getDefaultInstance().toByteString())
        .setReplica(io.meshfed.protocol.internal.ReplicaReport.newBuilder().setDatacenter("dc1")
            .setPrimaryStateIndex(99)).build().toByteArray();
    assertThatThrownBy(() -> dc2.internalRpc().call("dc1", Dialer.ANY_SERVER, FederationStateEndpoint.LIST, forged,
            Duration.ofSeconds(10)).toCompletableFuture().get(20, TimeUnit.SECONDS))
        .cause().isInstanceOf(ApiException.class)
        .hasMessage("invalid request: replica report from \"dc1\", the primary itself");
    JsonNode rollout = TestServers.json(TestServers.get(dc1, "/v1/internal/federation-states/rollout", null));
    assertThat(rollout.findValuesAsText("Datacenter")).doesNotContain("dc1");
  }

  @Test
  void anApplySentToASecondaryLandsInThePrimary() throws Exception {
    HttpResponse<String> w = TestServers.put(dc2, "/v1/internal/federation-state", TestServers.upsert("dc5"), null);
    assertThat(w.statusCode()).as(w.body()).isEqualTo(200);
    long index = TestServers.json(w).get("Index").asLong();
    JsonNode inPrimary = TestServers.json(TestServers.get(dc1, "/v1/internal/federation-state/dc5", null));
    assertThat(inPrimary.at("/State/ModifyIndex").asLong()).isEqualTo(index);
    // Replication brings it back to dc2, with the primary's index as PrimaryModifyIndex.
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      HttpResponse<String> local = TestServers.get(dc2, "/v1/internal/federation-state/dc5", null);
      assertThat(local.statusCode()).isEqualTo(200);
      assertThat(TestServers.json(local).at("/State/PrimaryModifyIndex").asLong()).isEqualTo(index);
    });

    HttpResponse<String> invalid = TestServers.put(dc2, "/v1/internal/federation-state",
        "{\"Op\":\"frob\",\"State\":{\"Datacenter\":\"dc2\"}}", null);
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.body()).isEqualTo("Invalid federation state operation: frob");
  }

  /**
   * A secondary given only primary-gateways joins the WAN once a mesh gateway of its own is in its
   * catalog: before, no other DC could reach it. Its retries run every second here, so three
   * seconds without a join are three refused chances.
   */
  @Test
  void aSecondaryJoinsTheWanOnlyOnceItHasAMeshGateway() throws Exception {
    int dc5ServerPort = TestServers.freePort();
    MeshfedServer dc5 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        options("dc5", "n5", dc5ServerPort, tls("dc5", "n5"), Map.of("primary-gateways",
            List.of("127.0.0.1:" + dc1ServerPort), "retry-interval-wan", "1s"))));
    try {
      Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(wanMemberNames(dc1)).contains("n1.dc1", "n2.dc2").doesNotContain("n5.dc5"));
      String gateway = """
          {"Node":"gw5","Address":"127.0.0.1",
           "Service":{"Service":"mesh-gateway","Kind":"mesh-gateway","Port":%d,"Meta":{"meshfed-wan-federation":"1"}},
           "Check":{"CheckID":"gw5-alive","Name":"alive","Status":"passing","ServiceID":"mesh-gateway"}}
          """.formatted(dc5ServerPort);
      assertThat(TestServers.put(dc5, "/v1/catalog/register", gateway, null).statusCode()).isEqualTo(200);
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(wanMemberNames(dc1)).contains("n5.dc5"));
    } finally {
      TestServers.stop(dc5);
      // its anti-entropy may have written dc5's state in the primary; the other tests expect none
      assertThat(TestServers.put(dc1, "/v1/internal/federation-state",
          "{\"Op\":\"delete\",\"State\":{\"Datacenter\":\"dc5\"}}", null).statusCode()).isEqualTo(200);
    }
  }

  private static List<String> wanMemberNames(MeshfedServer server) throws Exception {
    return TestServers.json(TestServers.get(server, "/v1/agent/members?wan=1", null)).findValuesAsText("Name");
  }

  @Test
  void aForwardToAnUnknownDcIsAClearError() throws Exception {
    HttpResponse<String> r = TestServers.get(dc2, "/v1/internal/federation-states?dc=dc9", null);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("No path to datacenter \"dc9\": no mesh gateway is known for it "
        + "(the gateway locator: federation states in the local store, and meshfed.primary-gateways for the primary"
        + " or meshfed.static-gateways)");
  }

  /** Without TLS only a lone primary starts (a secondary stops start-up), and it never dials out. */
  @Test
  void aServerWithoutTlsNeverDialsAnotherDc() throws Exception {
    Map<String, Object> alone = options("dc3", "n3", TestServers.freePort(), Map.of(),
        Map.of("static-gateways.dc1", List.of("127.0.0.1:" + dc1ServerPort)));
    alone.put("primary-datacenter", "dc3");
    MeshfedServer plain = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, alone));
    try {
      HttpResponse<String> r = TestServers.get(plain, "/v1/internal/federation-states?dc=dc1", null);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("No path to datacenter \"dc1\": cross-DC calls need TLS (meshfed.tls) and "
          + "are never sent in plaintext");
    } finally {
      TestServers.stop(plain);
    }
  }

  @Test
  void aCertificateWithoutTheNodeSanStopsStartUp() throws Exception {
    CertificateTool.Issued anyServerOnly = CertificateTool.issue(ca, new CertificateTool.LeafSpec("server.dc4.meshfed",
        List.of("server.dc4.meshfed", "localhost"), List.of("127.0.0.1"),
        List.of(CertificateTool.Purpose.SERVER_AUTH, CertificateTool.Purpose.CLIENT_AUTH),
        Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(30))));
    Map<String, Object> tls = Map.of("tls.ca-file", dir.resolve("ca.pem").toString(),
        "tls.cert-file", write("dc4.pem", anyServerOnly.certificatePem()).toString(),
        "tls.key-file", write("dc4-key.pem", anyServerOnly.privateKeyPem()).toString());
    assertThatThrownBy(() -> MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        options("dc4", "n4", TestServers.freePort(), tls, Map.of("primary-gateways", List.of("127.0.0.1:1"))))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("meshfed.tls: cert-file ")
        .hasMessageContaining("lacks the DNS SAN n4.server.dc4.meshfed")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

}
