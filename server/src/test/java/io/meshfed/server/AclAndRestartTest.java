package io.meshfed.server;

import static io.meshfed.server.TestServers.get;
import static io.meshfed.server.TestServers.index;
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
        "acl.tokens", List.of(Map.of("secret", "reader", "policy", "operator:read"),
            Map.of("secret", "writer", "policy", "operator:write"))));
    try {
      assertThat(get(server, "/v1/internal/federation-states", null).statusCode()).isEqualTo(403);
      assertThat(get(server, "/v1/internal/federation-states", null).body()).isEqualTo("Permission denied");
      assertThat(get(server, "/v1/internal/federation-states", "wrong").statusCode()).isEqualTo(403);
      assertThat(get(server, "/v1/internal/federation-states", "reader").statusCode()).isEqualTo(200);
      assertThat(get(server, "/v1/agent/members", null).statusCode()).isEqualTo(403);

      long before = index(get(server, "/v1/internal/federation-states", "reader"));
      HttpResponse<String> denied = put(server, "/v1/internal/federation-state", upsert("dc2"), "reader");
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(put(server, "/v1/catalog/register", "{\"Node\":\"x\",\"Address\":\"10.0.0.1\"}", null).statusCode())
          .isEqualTo(403);
      assertThat(index(get(server, "/v1/internal/federation-states", "reader"))).isEqualTo(before);

      assertThat(put(server, "/v1/internal/federation-state", upsert("dc2"), "writer").statusCode()).isEqualTo(200);
      assertThat(get(server, "/v1/internal/federation-state/dc2", "writer").statusCode()).isEqualTo(200);
      grpcHonoursTokens(server);
    } finally {
      TestServers.stop(server);
    }
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
            assertThat(e.getStatus().getDescription()).isEqualTo("Permission denied");
          });
      var reader = anonymous.list().addHeader("x-meshfed-token", "reader");
      assertThat(reader.invoke(ListFederationStatesRequest.getDefaultInstance())
          .toCompletableFuture().get(20, TimeUnit.SECONDS).getStatesCount()).as("dc1's own and dc2").isEqualTo(2);
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
