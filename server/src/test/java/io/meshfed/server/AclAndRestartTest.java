package io.meshfed.server;

import static io.meshfed.server.TestServers.get;
import static io.meshfed.server.TestServers.index;
import static io.meshfed.server.TestServers.json;
import static io.meshfed.server.TestServers.put;
import static io.meshfed.server.TestServers.upsert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfed.server.config.ConfigException;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AclAndRestartTest {
  @TempDir Path dir;

  @Test
  void aclGuardsReadsAndWrites() throws Exception {
    MeshfedServer server = TestServers.start(dir.resolve("acl"), Map.of(
        "acl.enabled", true,
        "acl.policies.gateways", Map.of("node_prefix", Map.of("gw-", Map.of("policy", "write")),
            "service", Map.of("mesh-gateway", Map.of("policy", "write"))),
        "acl.tokens", List.of(Map.of("secret", "reader", "policy", "operator:read"),
            Map.of("secret", "writer", "policy", "operator:write"),
            Map.of("secret", "gateway", "policies", List.of("gateways")))));
    try {
      assertThat(get(server, "/v1/internal/federation-states", null).statusCode()).isEqualTo(403);
      assertThat(get(server, "/v1/internal/federation-states", null).body())
          .isEqualTo("Permission denied: this token lacks operator:read");
      assertThat(get(server, "/v1/internal/federation-states", "wrong").statusCode()).isEqualTo(403);
      assertThat(get(server, "/v1/internal/federation-states", "wrong").body()).isEqualTo("Permission denied: ACL not found");
      assertThat(get(server, "/v1/internal/federation-states", "reader").statusCode()).isEqualTo(200);
      assertThat(get(server, "/v1/agent/members", null).statusCode()).isEqualTo(403);
      assertThat(get(server, "/v1/operator/federation", "gateway").body())
          .isEqualTo("Permission denied: this token lacks operator:read");
      assertThat(get(server, "/v1/operator/federation", "reader").statusCode()).isEqualTo(200);

      long before = index(get(server, "/v1/internal/federation-states", "reader"));
      HttpResponse<String> denied = put(server, "/v1/internal/federation-state", upsert("dc2"), "reader");
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(put(server, "/v1/catalog/register", "{\"Node\":\"x\",\"Address\":\"10.0.0.1\"}", null).statusCode())
          .isEqualTo(403);
      assertThat(index(get(server, "/v1/internal/federation-states", "reader"))).isEqualTo(before);

      assertThat(put(server, "/v1/internal/federation-state", upsert("dc2"), "writer").statusCode()).isEqualTo(200);
      assertThat(get(server, "/v1/internal/federation-state/dc2", "writer").statusCode()).isEqualTo(200);
      // Removals need operator:write; reading the decommissioned DCs operator:read.
      assertThat(TestServers.delete(server, "/v1/internal/federation-state/dc2?decommission=1", "reader").body())
          .isEqualTo("Permission denied: this token lacks operator:write");
      assertThat(put(server, "/v1/internal/federation-state/dc2/recommission", "", "reader").statusCode())
          .isEqualTo(403);
      assertThat(put(server, "/v1/agent/force-leave/n9.dc9?wan=1", "", "reader").body())
          .isEqualTo("Permission denied: this token lacks operator:write");
      assertThat(put(server, "/v1/agent/force-leave/n9.dc9?wan=1", "", "writer").statusCode()).isEqualTo(404);
      assertThat(get(server, "/v1/internal/federation-states/decommissioned", null).statusCode()).isEqualTo(403);
      assertThat(get(server, "/v1/internal/federation-states/decommissioned", "reader").body()).isEqualTo("[]");
      assertThat(get(server, "/v1/internal/federation-state/dc2", "writer").statusCode()).isEqualTo(200);
      rulesScopeATokenToWhatItNames(server);
      listsLeaveOutWhatTheTokenCannotRead(server);
      grpcHonoursTokens(server);
    } finally {
      TestServers.stop(server);
    }
  }

  /** The "gateways" policy: nodes named gw-*, the service mesh-gateway, nothing else. */
  private static void rulesScopeATokenToWhatItNames(MeshfedServer server) throws Exception {
    String gateway = "{\"Node\":\"%s\",\"Address\":\"10.0.0.9\",\"Service\":{\"ID\":\"%s\",\"Service\":\"%s\","
        + "\"Port\":8443}}";
    assertThat(put(server, "/v1/catalog/register", gateway.formatted("gw-1", "mesh-gateway", "mesh-gateway"), "gateway")
        .statusCode()).isEqualTo(200);
    HttpResponse<String> otherNode = put(server, "/v1/catalog/register",
        gateway.formatted("db-1", "mesh-gateway", "mesh-gateway"), "gateway");
    assertThat(otherNode.statusCode()).isEqualTo(403);
    assertThat(otherNode.body()).isEqualTo("Permission denied: this token lacks node:write on \"db-1\"");
    HttpResponse<String> otherService = put(server, "/v1/catalog/register", gateway.formatted("gw-2", "web", "web"),
        "gateway");
    assertThat(otherService.statusCode()).isEqualTo(403);
    assertThat(otherService.body()).isEqualTo("Permission denied: this token lacks service:write on \"web\"");
    HttpResponse<String> states = get(server, "/v1/internal/federation-states", "gateway");
    assertThat(states.statusCode()).isEqualTo(403);
    assertThat(states.body()).isEqualTo("Permission denied: this token lacks operator:read");
    assertThat(put(server, "/v1/internal/federation-state", upsert("dc3"), "gateway").body())
        .isEqualTo("Permission denied: this token lacks operator:write");
  }

  /**
   * As Consul's: listing mesh gateways and service instances needs no operator rule; what the
   * token cannot read (node or service) is left out, and the answer says so.
   */
  private static void listsLeaveOutWhatTheTokenCannotRead(MeshfedServer server) throws Exception {
    assertThat(put(server, "/v1/internal/federation-state", upsert("dc4", "db-dc4", "{}"), "writer").statusCode())
        .isEqualTo(200);
    String path = "/v1/internal/federation-states/mesh-gateways";
    HttpResponse<String> all = get(server, path, "reader");
    assertThat(json(all).fieldNames()).toIterable().contains("dc2", "dc4");
    assertThat(all.headers().firstValue("X-Meshfed-Results-Filtered-By-ACLs")).isEmpty();

    HttpResponse<String> some = get(server, path, "gateway");
    assertThat(some.statusCode()).isEqualTo(200);
    assertThat(json(some).fieldNames()).toIterable().contains("dc2").doesNotContain("dc4");
    assertThat(some.headers().firstValue("X-Meshfed-Results-Filtered-By-ACLs")).hasValue("true");

    HttpResponse<String> none = get(server, path, null);
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(none.body()).isEqualTo("{}");
    assertThat(none.headers().firstValue("X-Meshfed-Results-Filtered-By-ACLs")).hasValue("true");

    HttpResponse<String> instances = get(server, "/v1/health/service/mesh-gateway", null);
    assertThat(instances.statusCode()).isEqualTo(200);
    assertThat(instances.body()).isEqualTo("[]");
    assertThat(instances.headers().firstValue("X-Meshfed-Results-Filtered-By-ACLs")).hasValue("true");
    assertThat(json(get(server, "/v1/health/service/mesh-gateway", "gateway"))).hasSize(1);
  }

  private static void grpcHonoursTokens(MeshfedServer server) throws Exception {
    ActorSystem<Void> clientSystem = ActorSystem.create(Behaviors.empty(), "acl-client");
    try {
      GrpcClientSettings settings = GrpcClientSettings
          .connectToServiceAt("127.0.0.1", server.grpcPort(), clientSystem).withTls(false);
      FederationStateServiceClient anonymous = FederationStateServiceClient.create(settings, clientSystem);
      assertThatThrownBy(() -> anonymous.list(ListFederationStatesRequest.getDefaultInstance())
          .toCompletableFuture().get(20, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).isEqualTo("Permission denied: this token lacks operator:read");
          });
      var gateways = anonymous.listMeshGateways(io.meshfed.protocol.v1.ListMeshGatewaysRequest.getDefaultInstance())
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(gateways.getDatacenterGatewaysMap()).isEmpty();
      assertThat(gateways.getMeta().getResultsFilteredByAcls()).isTrue();
      var reader = anonymous.list().addHeader("x-meshfed-token", "reader");
      assertThat(reader.invoke(ListFederationStatesRequest.getDefaultInstance())
          .toCompletableFuture().get(20, TimeUnit.SECONDS).getStatesCount()).as("dc1's own, dc2 and dc4").isEqualTo(3);
      anonymous.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      clientSystem.terminate();
      clientSystem.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void restartOnTheSameDataDirKeepsStateAndIndex() throws Exception {
    restartKeepsStateAndIndex(dir.resolve("restart"), Map.of());
  }

  @Test
  void restartOnPostgresKeepsStateAndIndex() throws Exception {
    Map<String, Object> pg = new java.util.HashMap<>(TestServers.postgres());
    pg.put("datacenter", "pgrestart");
    pg.put("primary-datacenter", "pgrestart");
    restartKeepsStateAndIndex(dir.resolve("pg"), pg);
  }

  private void restartKeepsStateAndIndex(Path data, Map<String, Object> config) throws Exception {
    MeshfedServer first = TestServers.start(data, config);
    String list;
    long idx;
    String one;
    try {
      for (String dc : List.of("dc2", "dc3", "dc4")) {
        assertThat(put(first, "/v1/internal/federation-state", upsert(dc), null).statusCode()).isEqualTo(200);
      }
      put(first, "/v1/internal/federation-state", "{\"Op\":\"delete\",\"State\":{\"Datacenter\":\"dc3\"}}", null);
      HttpResponse<String> r = get(first, "/v1/internal/federation-states", null);
      list = r.body();
      idx = index(r);
      one = get(first, "/v1/internal/federation-state/dc2", null).body();
    } finally {
      TestServers.stop(first);
    }

    MeshfedServer second = TestServers.start(data, config);
    try {
      HttpResponse<String> r = get(second, "/v1/internal/federation-states", null);
      assertThat(r.body()).isEqualTo(list);
      assertThat(index(r)).isEqualTo(idx);
      assertThat(get(second, "/v1/internal/federation-state/dc2", null).body()).isEqualTo(one);
    } finally {
      TestServers.stop(second);
    }
  }

  @Test
  void aSecondServerOnTheSameDataDirIsRefusedWithOneLine() throws Exception {
    Path data = dir.resolve("shared");
    MeshfedServer first = TestServers.start(data, Map.of());
    try {
      assertThatThrownBy(() -> TestServers.start(data, Map.of()))
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    } finally {
      TestServers.stop(first);
    }
  }

  @Test
  void aTakenPortIsRefusedWithOneLineBeforeAnythingStarts() throws Exception {
    MeshfedServer first = TestServers.start(dir.resolve("a"), Map.of());
    try {
      assertThatThrownBy(() -> TestServers.start(dir.resolve("b"), Map.of("ports.http", first.httpPort())))
          .isInstanceOf(ConfigException.class)
          .hasMessage("cannot listen on 127.0.0.1:" + first.httpPort()
              + " for the HTTP API: address already in use (meshfed.ports.http)");
      // Refused before the data dir is made, the journal opened or the cluster started.
      assertThat(dir.resolve("b")).doesNotExist();
      assertThatThrownBy(() -> TestServers.start(dir.resolve("c"), Map.of("ports.lan", first.config().ports().lan())))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("for the LAN cluster: address already in use (meshfed.ports.lan)");
      assertThat(dir.resolve("c")).doesNotExist();
    } finally {
      TestServers.stop(first);
    }
  }
}
