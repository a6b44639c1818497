package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.meshfed.server.config.ServerConfigLoader;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The federation status answered by a server that is not the DC's leader: what only the leader
 * knows (anti-entropy's last push) comes from it, and while no leader answers (its host crashed and
 * the singleton has not moved yet) the status still answers and says so. Three servers of one DC on
 * PostgreSQL (skipped without one, as {@link StoreFailoverTest}).
 */
class FederationStatusLeaderTest {
  @TempDir Path dir;
  private final List<MeshfedServer> servers = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (MeshfedServer s : servers) {
      if (!s.system().getWhenTerminated().toCompletableFuture().isDone()) {
        TestServers.stop(s);
      }
    }
  }

  @Test
  void aFollowerAsksTheLeaderAndSaysSoWhenItCannot() throws Exception {
    Map<String, Object> pg = TestServers.postgres();
    List<Integer> lanPorts = List.of(TestServers.freePort(), TestServers.freePort(), TestServers.freePort());
    List<String> seeds = lanPorts.stream().map(p -> "127.0.0.1:" + p).toList();
    for (int i = 0; i < 3; i++) {
      Map<String, Object> o = new HashMap<>(pg);
      o.put("datacenter", "status");
      o.put("primary-datacenter", "status");
      o.put("node-name", "s" + (i + 1));
      o.put("data-dir", dir.resolve("s" + (i + 1)).toString());
      o.put("ports.lan", lanPorts.get(i));
      o.put("retry-join", seeds);
      o.put("bootstrap-expect", 3);
      o.put("lan.failure-timeout", "2s");
      // A silent host: the others find out by the failure detector, so the leader is away for seconds.
      o.put("lan.crash-probe", false);
      servers.add(MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, o), ConfigFactory.parseString(
          "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
              + "pekko.cluster.run-coordinated-shutdown-when-down = off")));
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      for (MeshfedServer s : servers) {
        if (TestServers.aliveMembers(s) != 3) {
          return false;
        }
      }
      return true;
    });
    String leaderNode = TestServers.json(TestServers.get(servers.get(0), "/v1/operator/routines", null))
        .get("Leader").asText();
    MeshfedServer host = servers.stream().filter(s -> s.config().nodeName().equals(leaderNode)).findFirst()
        .orElseThrow();
    MeshfedServer follower = servers.stream().filter(s -> s != host).findFirst().orElseThrow();

    // Anti-entropy runs on the leader only: the follower's answer carries the leader's last push.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      JsonNode status = status(follower);
      assertThat(status.get("Node").asText()).isNotEqualTo(leaderNode);
      assertThat(status.at("/Local/Leader").asText()).isEqualTo(leaderNode);
      assertThat(status.at("/Local/AntiEntropy/LastPushResult").asText()).isEqualTo("ok");
      assertThat(status.at("/Datacenters/0/Verdict").asText()).isEqualTo("healthy");
      assertThat(status.at("/Datacenters/0/Reasons/0").asText()).isEqualTo("3 of 3 servers of status alive (this"
          + " server's DC)");
    });

    host.system().terminate();
    // Until the cluster has removed the host and started the singleton elsewhere (about 10 s with
    // these timings), asking the leader times out after 3 s: the answer says so and is still an answer.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      JsonNode status = status(follower);
      assertThat(status.at("/Local/LeaderError").asText()).startsWith("no answer from the DC's leader within 3 s");
      assertThat(status.at("/Datacenters/0/Verdict").asText()).isEqualTo("degraded");
      assertThat(status.at("/Datacenters/0/Reasons").toString()).contains("the leader could not be asked: ");
    });
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      JsonNode status = status(follower);
      assertThat(status.at("/Local/LeaderError").asText()).isEmpty();
      assertThat(status.at("/Local/Leader").asText()).isNotEqualTo(leaderNode).isNotEmpty();
    });
  }

  private static JsonNode status(MeshfedServer server) throws Exception {
    HttpResponse<String> r = TestServers.get(server, "/v1/operator/federation", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return TestServers.json(r);
  }
}
