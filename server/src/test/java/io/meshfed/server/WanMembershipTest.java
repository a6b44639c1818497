package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.meshfed.server.config.ServerConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6: the WAN membership of three single-server DCs with TLS and fast SWIM timings. dc2 joins
 * "any server of dc1" through primary-gateways, dc3 through static-gateways; everything else is
 * learnt by gossip. As in {@link TwoDatacenterForwardingTest}, with no mesh gateway yet the gateway
 * addresses name the other servers' server ports, where a gateway would splice the connection to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WanMembershipTest {
  @TempDir static Path dir;
  TlsFederation fed;
  MeshfedServer dc1;
  MeshfedServer dc2;
  MeshfedServer dc3;

  @BeforeAll
  void start() throws Exception {
    fed = new TlsFederation(dir, List.of("dc1", "dc2", "dc3", "dc6", "dc7", "dc8", "dc9"));
    dc1 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc1", "dc1", "n1",
        Map.of("static-gateways.dc2", List.of(fed.gateway("dc2")), "static-gateways.dc3", List.of(fed.gateway("dc3"))))));
    dc2 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc2", "dc1", "n2",
        Map.of("primary-gateways", List.of(fed.gateway("dc1")), "static-gateways.dc3", List.of(fed.gateway("dc3"))))));
    // dc3 joins through the routes set by hand (static-gateways), and stops as a crashed server
    // would: without its graceful WAN leave.
    dc3 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc3", "dc1", "n3",
            Map.of("static-gateways.dc1", List.of(fed.gateway("dc1")), "static-gateways.dc2", List.of(fed.gateway("dc2"))))),
        ConfigFactory.parseString("pekko.coordinated-shutdown.phases.before-service-unbind.enabled = off"));
  }

  @AfterAll
  void stop() throws Exception {
    TestServers.stop(dc3);
    TestServers.stop(dc2);
    TestServers.stop(dc1);
  }

  @Test
  @Order(1)
  void everyServerSeesEveryDcAliveWithItsTags() throws Exception {
    for (MeshfedServer server : List.of(dc1, dc2, dc3)) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(statuses(server))
          .as(server.config().datacenter())
          .isEqualTo(Map.of("n1.dc1", "alive", "n2.dc2", "alive", "n3.dc3", "alive")));
    }
    JsonNode n2 = member(dc1, "n2.dc2");
    assertThat(n2.get("Addr").asText()).isEqualTo("127.0.0.1");
    assertThat(n2.get("Port").asInt()).isEqualTo(fed.serverPort("dc2"));
    assertThat(n2.get("Datacenter").asText()).isEqualTo("dc2");
    assertThat(n2.at("/Tags/role").asText()).isEqualTo("server");
    assertThat(n2.at("/Tags/ft_fs").asText()).isEqualTo("1");
    assertThat(n2.at("/Tags/version").asText()).isEqualTo(MeshfedServer.VERSION);
    assertThat(n2.at("/Tags/gossip_vsn_min").asText()).isEqualTo("1");
    assertThat(n2.at("/Tags/gossip_vsn_max").asText()).isEqualTo("1");
    assertThat(n2.at("/Tags/rpc_vsn_max").asText()).isEqualTo("1");
    assertThat(n2.at("/Tags/port").asText()).isEqualTo(Integer.toString(fed.serverPort("dc2")));
  }

  @Test
  @Order(2)
  void aPrimaryNeverJoinsAnotherDc() throws Exception {
    // dc9 is a primary that knows dc8's "gateway", dc8 a DC of its own: neither dials the other,
    // since only a secondary joins, and only its primary. (A secondary that names no way to its
    // primary does not start: ServerConfigLoaderTest.)
    MeshfedServer dc9 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc9", "dc9",
        "n9", Map.of("static-gateways.dc8", List.of(fed.gateway("dc8"))))));
    MeshfedServer dc8 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc8", "dc8",
        "n8", Map.of())));
    try {
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(statuses(dc9)).isEqualTo(Map.of("n9.dc9", "alive"));
        assertThat(statuses(dc8)).isEqualTo(Map.of("n8.dc8", "alive"));
      });
    } finally {
      TestServers.stop(dc8);
      TestServers.stop(dc9);
    }
  }

  /**
   * A release two protocol versions ahead (here: a dc8 server made to advertise gossip 2 only, as
   * release 9.0.0) joins through dc1: dc1 refuses it and says why in one line, dc8 is told and says
   * so in one line too, and neither lists the other.
   */
  @Test
  @Order(2)
  void aServerSpeakingNoCommonGossipVersionIsRefusedOnBothSides() throws Exception {
    FaultInjection future = new FaultInjection() {
      @Override
      public <T> org.apache.pekko.actor.typed.Behavior<T> around(String actor,
          org.apache.pekko.actor.typed.Behavior<T> behavior) {
        return behavior;
      }

      @Override
      public Map<String, String> wanTags(Map<String, String> tags) {
        Map<String, String> changed = new TreeMap<>(tags);
        changed.putAll(Map.of("version", "9.0.0", "gossip_vsn_min", "2", "gossip_vsn_max", "2"));
        return changed;
      }
    };
    String why = "n1.dc1 (meshfed " + MeshfedServer.VERSION + ") understands gossip 1 and internal RPC 1,"
        + " n8.dc8 (meshfed 9.0.0) gossip 2 and internal RPC 1: no gossip version in common;"
        + " run releases at most one apart (docs/upgrading.md)";
    try (TestLogs logs = TestLogs.warnings()) {
      MeshfedServer dc8 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc8", "dc1",
          "n8", Map.of("static-gateways.dc1", List.of(fed.gateway("dc1")), "retry-interval-wan", "1s"))),
          ConfigFactory.empty(), future);
      try {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(logs.lines())
            .anyMatch(l -> l.endsWith("refusing WAN member n8.dc8 at 127.0.0.1:" + fed.serverPort("dc8") + ": " + why))
            .anyMatch(l -> l.endsWith("the WAN refused this server (answer from n1.dc1): " + why)));
        assertThat(statuses(dc1)).doesNotContainKey("n8.dc8");
        assertThat(statuses(dc8)).isEqualTo(Map.of("n8.dc8", "alive"));
        // the join is retried (the other side may be upgraded meanwhile), but not logged again
        long refusals = logs.lines().stream().filter(l -> l.contains("refused this server")).count();
        assertThat(refusals).isEqualTo(1);
      } finally {
        TestServers.stop(dc8);
      }
    }
  }

  @Test
  @Order(3)
  void aStoppedServerIsMarkedFailedByTheOthers() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> statuses(dc1).size() == 3 && statuses(dc2).size() == 3);
    TestServers.stop(dc3);
    for (MeshfedServer server : List.of(dc1, dc2)) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(statuses(server))
          .as(server.config().datacenter())
          .isEqualTo(Map.of("n1.dc1", "alive", "n2.dc2", "alive", "n3.dc3", "failed")));
    }
  }

  @Test
  @Order(4)
  void aServerThatStopsGracefullyHasLeft() throws Exception {
    TestServers.stop(dc2);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(statuses(dc1))
        .isEqualTo(Map.of("n1.dc1", "alive", "n2.dc2", "left", "n3.dc3", "failed")));
  }

  @Test
  @Order(5)
  void aSecondaryStartedBeforeItsPrimaryJoinsWithinSecondsOfThePrimaryStarting() throws Exception {
    // retry-interval-wan at Consul's 30 s: a failed join is retried after 1 s, doubling up to it,
    // so a federation started all at once does not wait half a minute for its first join.
    try (TestLogs logs = TestLogs.warnings()) {
      MeshfedServer dc7 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc7", "dc6",
          "n7", Map.of("static-gateways.dc6", List.of(fed.gateway("dc6")), "retry-interval-wan", "30s"))));
      MeshfedServer dc6 = null;
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> logs.lines().stream()
            .anyMatch(l -> l.contains("WAN join of *.dc6 failed, retrying in")));
        dc6 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc6", "dc6", "n6",
            Map.of("static-gateways.dc7", List.of(fed.gateway("dc7"))))));
        long up = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(statuses(dc7))
            .containsEntry("n6.dc6", "alive"));
        System.out.printf("the secondary joined %d ms after its primary was ready%n", (System.nanoTime() - up) / 1_000_000);
      } finally {
        TestServers.stop(dc7);
        if (dc6 != null) {
          TestServers.stop(dc6);
        }
      }
    }
  }

  private Map<String, String> statuses(MeshfedServer server) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode m : TestServers.json(TestServers.get(server, "/v1/agent/members?wan=1", null))) {
      out.put(m.get("Name").asText(), m.get("Status").asText());
    }
    return out;
  }

  private static JsonNode member(MeshfedServer server, String name) throws Exception {
    for (JsonNode m : TestServers.json(TestServers.get(server, "/v1/agent/members?wan=1", null))) {
      if (m.get("Name").asText().equals(name)) {
        return m;
      }
    }
    throw new AssertionError(name + " is not a WAN member of " + server.config().datacenter());
  }
}
