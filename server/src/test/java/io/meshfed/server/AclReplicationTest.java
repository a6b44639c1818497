package io.meshfed.server;

import static io.meshfed.server.TestServers.delete;
import static io.meshfed.server.TestServers.get;
import static io.meshfed.server.TestServers.json;
import static io.meshfed.server.TestServers.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.server.config.ServerConfigLoader;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs across two DCs, default deny, with nothing in either server's configuration but the
 * replication token's secret: the primary is bootstrapped, a replication token is provisioned with a
 * known secret, and the secondary starts with it. The secondary's replica then resolves every token
 * made in the primary, a token made or revoked anywhere takes effect in both DCs within seconds, and
 * the secondary goes on resolving tokens while the primary is down.
 */
class AclReplicationTest {
  /** What a token made in one DC may take to work, or to stop working, in the other. */
  private static final Duration PROPAGATION = Duration.ofSeconds(5);

  @TempDir Path dir;

  @Test
  void tokensMadeInThePrimaryResolveInTheSecondaryFromItsReplica() throws Exception {
    TlsFederation federation = new TlsFederation(dir, List.of("dc1", "dc2"));
    MeshfedServer dc1 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        federation.options("dc1", "dc1", "n1", Map.of("acl.enabled", true,
            "static-gateways.dc2", List.of(federation.gateway("dc2"))))));
    MeshfedServer dc2 = null;
    boolean dc1Running = true;
    try {
      HttpResponse<String> boot = Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> put(dc1, "/v1/acl/bootstrap", "", null), r -> r.statusCode() == 200);
      String management = json(boot).get("SecretID").asText();
      assertThat(put(dc1, "/v1/acl/policy", policy("replication",
          "{\"acl\":\"write\",\"operator\":\"write\"}"), management).statusCode()).isEqualTo(200);
      String replication = UUID.randomUUID().toString();
      assertThat(put(dc1, "/v1/acl/token", "{\"SecretID\":\"" + replication
          + "\",\"Description\":\"replication\",\"Policies\":[{\"Name\":\"replication\"}]}", management).statusCode())
          .isEqualTo(200);

      dc2 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
          federation.options("dc2", "dc1", "n2", Map.of("acl.enabled", true, "acl.replication-token", replication,
              "primary-gateways", List.of(federation.gateway("dc1")),
              "static-gateways.dc1", List.of(federation.gateway("dc1"))))));
      MeshfedServer secondary = dc2;
      // The management token was made in dc1 only; dc2 knows it once its replica has it.
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> get(secondary, "/v1/acl/tokens", management).statusCode() == 200);
      // Federation states flow both ways with the replication token: dc2's own state reached dc1 and came back.
      for (MeshfedServer server : List.of(dc1, dc2)) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
            json(get(server, "/v1/internal/federation-states", management)).findValuesAsText("Datacenter"),
            dcs -> dcs.containsAll(List.of("dc1", "dc2")));
      }

      // Made in the primary: works in the secondary within seconds.
      String reader = secret(put(dc1, "/v1/acl/token", "{\"Policies\":[{\"Name\":\"operator:read\"}]}", management));
      Awaitility.await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50))
          .until(() -> get(secondary, "/v1/internal/federation-states", reader).statusCode() == 200);

      // Made through the secondary: the write goes to the primary, and works in both.
      HttpResponse<String> viaDc2 = put(dc2, "/v1/acl/token", "{\"Policies\":[{\"Name\":\"operator:read\"}]}",
          management);
      assertThat(viaDc2.statusCode()).as(viaDc2.body()).isEqualTo(200);
      String made = json(viaDc2).get("SecretID").asText();
      assertThat(get(dc1, "/v1/internal/federation-states", made).statusCode()).isEqualTo(200);
      Awaitility.await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50))
          .until(() -> get(secondary, "/v1/internal/federation-states", made).statusCode() == 200);

      // Revoked (through the secondary): stops in both.
      String accessor = json(viaDc2).get("AccessorID").asText();
      assertThat(delete(dc2, "/v1/acl/token/" + accessor, management).statusCode()).isEqualTo(200);
      assertThat(get(dc1, "/v1/internal/federation-states", made).body()).isEqualTo("Permission denied: ACL not found");
      Awaitility.await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50))
          .until(() -> get(secondary, "/v1/internal/federation-states", made).statusCode() == 403);

      // The primary down: the secondary still resolves tokens from its replica.
      TestServers.stop(dc1);
      dc1Running = false;
      HttpResponse<String> alone = get(dc2, "/v1/internal/federation-states", reader);
      assertThat(alone.statusCode()).as(alone.body()).isEqualTo(200);
      assertThat(get(dc2, "/v1/internal/federation-states", made).statusCode()).isEqualTo(403);

      // Stopped, neither leaves anything behind: the ACL watch and replication end with the server.
      List<Integer> ports = List.of(dc1.httpPort(), dc1.grpcPort(), dc1.config().ports().server(),
          dc1.config().ports().lan(), dc2.httpPort(), dc2.grpcPort(), dc2.config().ports().server(),
          dc2.config().ports().lan());
      TestServers.stop(dc2);
      dc2 = null;
      Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(StopLeavesNothingTest.serverThreads()).as("threads left after both stopped").isEmpty());
      for (int port : ports) {
        assertThatThrownBy(() -> StopLeavesNothingTest.connect(port)).as("port " + port + " after stop")
            .isInstanceOf(java.io.IOException.class);
      }
    } finally {
      if (dc2 != null) {
        TestServers.stop(dc2);
      }
      if (dc1Running) {
        TestServers.stop(dc1);
      }
    }
  }

  private static String policy(String name, String rules) {
    return "{\"Name\":\"" + name + "\",\"Rules\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(rules) + "}";
  }

  private static String secret(HttpResponse<String> created) throws Exception {
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return json(created).get("SecretID").asText();
  }
}
