package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.meshfed.actors.federation.FederationStateReplication;
import io.meshfed.gateway.GatewaySettings;
import io.meshfed.gateway.MeshGateway;
import io.meshfed.gateway.route.RouteTableBuilder;
import io.meshfed.gateway.route.RoutingInputs;
import io.meshfed.protocol.v1.DatacenterStatus;
import io.meshfed.protocol.v1.FederationStatusRequest;
import io.meshfed.protocol.v1.FederationStatusResponse;
import io.meshfed.server.config.ServerConfigLoader;
import io.meshfed.transport.tls.CertificateTool;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/operator/federation} on a federation of three single-server DCs with TLS, each
 * behind a real mesh gateway ({@link MeshGateway}, in this JVM, with a fixed route table) registered
 * in its DC's catalog: the secondaries know only dc1's gateway ({@code primary-gateways}), so every
 * cross-DC connection goes through gateways. The tests break it in turn: a certificate about to
 * expire (n3's), a replication read whose answer is lost (n2's, through {@link FaultInjection}), a
 * whole DC stopped (dc3, as a crash), the primary's only gateway cut (gw1). Each
 * waits with a stated bound for the verdict and the reason that name the fault.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FederationStatusTest {
  /** Fast SWIM and probes, so that failures show within seconds (the bounds below rely on them). */
  private static final Map<String, Object> FAST = Map.of(
      "wan.probe-interval", "300ms", "wan.probe-timeout", "150ms", "wan.suspicion-mult", 3,
      "wan.gossip-interval", "50ms", "wan.push-pull-interval", "1s", "wan.reconnect-interval", "1s",
      "retry-interval-wan", "1s", "federation-states.gateway-probe-interval", "1s",
      "federation-states.gateway-probe-timeout", "500ms");
  /** Convergence of three DCs through gateways on a busy 2-core machine. */
  private static final Duration CONVERGE = Duration.ofSeconds(90);
  /** A fault's verdict: SWIM's failure detection (~2 s here) or a probe round (1 s), plus the status's 2 s observation. */
  private static final Duration FAULT_SHOWN = Duration.ofSeconds(30);
  /** A force-leave's gossip: a few 50 ms gossip rounds, or the next 1 s push/pull for whoever missed it. */
  private static final Duration LEAVE_SPREAD = Duration.ofSeconds(10);

  /** How many of the primary's answers to n2's replication reads to lose from now on (a wedged read). */
  final AtomicInteger answersToLose = new AtomicInteger();
  /** Loses answers to the replication routine's reads, as a connection that drops them would. */
  final FaultInjection wedge = new FaultInjection() {
    @Override
    @SuppressWarnings("unchecked")
    public <T> Behavior<T> around(String actor, Behavior<T> behavior) {
      if (!actor.equals(FederationStateReplication.NAME)) {
        return behavior;
      }
      BehaviorInterceptor<Object, Object> loseAnswers = new BehaviorInterceptor<>(Object.class) {
        @Override
        public Behavior<Object> aroundReceive(TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Object> target) {
          // IndexReplication's answer to a read of the primary
          if (msg.getClass().getSimpleName().equals("Fetched") && answersToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Behaviors.same();
          }
          return target.apply(ctx, msg);
        }
      };
      return (Behavior<T>) Behaviors.intercept(() -> loseAnswers, (Behavior<Object>) (Behavior<?>) behavior);
    }
  };

  @TempDir static Path dir;
  CertificateTool.Issued ca;
  final Map<String, MeshGateway> gateways = new TreeMap<>();
  final Map<String, Integer> serverPorts = new TreeMap<>();
  MeshfedServer n1;
  MeshfedServer n2;
  MeshfedServer n3;

  @BeforeAll
  void start() throws Exception {
    ca = CertificateTool.createCa("meshfed", Duration.ofDays(365));
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    // The gateways first: their ephemeral ports cannot then take a server port picked below.
    for (String dc : List.of("dc1", "dc2", "dc3")) {
      gateways.put(dc, MeshGateway.start(GatewaySettings.builder("127.0.0.1", 0).build()));
    }
    for (String dc : gateways.keySet()) {
      serverPorts.put(dc, TestServers.freePort());
    }
    for (String dc : gateways.keySet()) {
      Map<String, List<InetSocketAddress>> remote = new HashMap<>();
      gateways.forEach((other, gw) -> {
        if (!other.equals(dc)) {
          remote.put(other, List.of(gw.listenAddress()));
        }
      });
      String node = "n" + dc.substring(2);
      gateways.get(dc).updateRoutes(RouteTableBuilder.build(1, new RoutingInputs(dc, "meshfed", true,
          Map.of(node, new InetSocketAddress("127.0.0.1", serverPorts.get(dc))), remote)));
    }
    String gw1 = "127.0.0.1:" + gateways.get("dc1").listenAddress().getPort();
    n1 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        options("dc1", "n1", Duration.ofDays(300), Map.of())));
    n2 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        options("dc2", "n2", Duration.ofDays(300), Map.of("primary-gateways", List.of(gw1)))),
        ConfigFactory.empty(), wedge);
    // n3's certificate expires within the TLS code's 30-day warning window; and it stops as a crashed
    // server would, without its WAN leave.
    n3 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
            options("dc3", "n3", Duration.ofDays(5), Map.of("primary-gateways", List.of(gw1)))),
        ConfigFactory.parseString("pekko.coordinated-shutdown.phases.before-service-unbind.enabled = off"));
    for (MeshfedServer server : List.of(n1, n2, n3)) {
      String dc = server.config().datacenter();
      String gateway = """
          {"Node":"gw%s","Address":"127.0.0.1",
           "Service":{"Service":"mesh-gateway","Kind":"mesh-gateway","Port":%d,"Meta":{"meshfed-wan-federation":"1"}},
           "Check":{"CheckID":"gw-alive","Name":"alive","Status":"passing","ServiceID":"mesh-gateway"}}
          """.formatted(dc.substring(2), gateways.get(dc).listenAddress().getPort());
      HttpResponse<String> r = TestServers.put(server, "/v1/catalog/register", gateway, null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
  }

  @AfterAll
  void stop() throws Exception {
    for (MeshfedServer server : new MeshfedServer[] {n3, n2, n1}) {
      if (server != null) {
        TestServers.stop(server);
      }
    }
    gateways.values().forEach(MeshGateway::close);
  }

  private Map<String, Object> options(String dc, String node, Duration certificateValidity,
      Map<String, Object> extra) throws Exception {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, dc, node, "meshfed", certificateValidity);
    Map<String, Object> o = new HashMap<>(FAST);
    o.putAll(extra);
    o.put("tls.ca-file", dir.resolve("ca.pem").toString());
    o.put("tls.cert-file", Files.writeString(dir.resolve(dc + ".pem"), cert.certificatePem()).toString());
    o.put("tls.key-file", Files.writeString(dir.resolve(dc + "-key.pem"), cert.privateKeyPem()).toString());
    o.put("datacenter", dc);
    o.put("primary-datacenter", "dc1");
    o.put("node-name", node);
    o.put("data-dir", dir.resolve(dc).toString());
    o.put("ports.server", serverPorts.get(dc));
    return o;
  }

  @Test
  @Order(1)
  void aFormedFederationIsHealthyInEveryDcAndTheSameOverGrpc() throws Exception {
    for (MeshfedServer server : List.of(n1, n2)) {
      await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(verdicts(server)).as(server.config().nodeName() + ": " + reasons(server))
              .isEqualTo(Map.of("dc1", "healthy", "dc2", "healthy", "dc3", "healthy")));
    }
    JsonNode status = status(n2, "");
    System.out.println("federation status of n2: " + status.toPrettyString());
    assertThat(status.get("Node").asText()).isEqualTo("n2");
    assertThat(status.get("Primary").asText()).isEqualTo("dc1");
    JsonNode dc1 = datacenter(status, "dc1");
    assertThat(dc1.at("/Servers/Alive").asInt()).isEqualTo(1);
    assertThat(dc1.at("/Path/Via").asText()).isEqualTo("local-gateways");
    assertThat(dc1.at("/Path/Gateways/0/Address").asText())
        .isEqualTo("127.0.0.1:" + gateways.get("dc2").listenAddress().getPort());
    assertThat(dc1.at("/Path/Gateways/0/Probe").asText()).isEqualTo("passing");
    assertThat(dc1.at("/FederationState/MeshGateways").asInt()).isEqualTo(1);
    assertThat(datacenter(status, "dc2").get("Path").isNull()).isTrue();
    assertThat(status.at("/Local/Leader").asText()).isEqualTo("n2");
    assertThat(status.at("/Local/FeatureBarrier/Open").asBoolean()).isTrue();
    assertThat(status.at("/Local/Replication/Healthy").asBoolean()).isTrue();
    assertThat(status.at("/Local/AntiEntropy/LastPushResult").asText()).isEqualTo("ok");
    assertThat(status.at("/Local/Certificate/DaysLeft").asLong()).isBetween(298L, 300L);
    // In the primary, each secondary's replication reads as the primary heard them (decision 0018).
    assertThat(datacenter(status(n1, ""), "dc2").at("/Replica/Status").asText()).isEqualTo("current");

    // ?dc= keeps one DC; one nobody knows is judged too, not an error.
    assertThat(status(n2, "dc3").get("Datacenters")).extracting(d -> d.get("Datacenter").asText())
        .containsExactly("dc3");
    JsonNode dc9 = datacenter(status(n2, "dc9"), "dc9");
    assertThat(dc9.get("Verdict").asText()).isEqualTo("unreachable");
    assertThat(dc9.get("Reasons").get(0).asText()).isEqualTo("no server of dc9 in the WAN view of n2");
    HttpResponse<String> invalid = TestServers.get(n2, "/v1/operator/federation?dc=DC%201", null);
    assertThat(invalid.statusCode()).isEqualTo(400);

    try (GrpcClients grpc = new GrpcClients(n2, "federation-status-grpc")) {
      FederationStatusResponse answer = grpc.operator.federationStatus(FederationStatusRequest.getDefaultInstance())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(answer.getNode()).isEqualTo("n2");
      Map<String, String> byDc = new TreeMap<>();
      answer.getDatacentersList().forEach(d -> byDc.put(d.getDatacenter(), d.getVerdict()));
      assertThat(byDc).isEqualTo(Map.of("dc1", "healthy", "dc2", "healthy", "dc3", "healthy"));
      DatacenterStatus grpcDc1 = answer.getDatacentersList().get(0);
      assertThat(grpcDc1.getHasPath()).isTrue();
      assertThat(grpcDc1.getPathGateways(0).getProbe()).isEqualTo("passing");
      assertThat(answer.getLocal().getHasReplication()).isTrue();
      assertThat(answer.getLocal().getCertificateDaysLeft()).isBetween(298L, 300L);
    }
  }

  @Test
  @Order(2)
  void aCertificateAboutToExpireIsNamedByItsServer() throws Exception {
    // Seen by n3 only: a server judges its own certificate, not its peers'.
    await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      JsonNode dc3 = datacenter(status(n3, ""), "dc3");
      assertThat(dc3.get("Verdict").asText()).isEqualTo("degraded");
      assertThat(texts(dc3.get("Reasons"))).anySatisfy(r -> assertThat(r)
          .startsWith("the certificate of server n3 (").contains("expires in 4 days"));
    });
    assertThat(status(n3, "").at("/Local/Certificate/DaysLeft").asLong()).isEqualTo(4);
  }

  @Test
  @Order(3)
  void aWedgedReplicationIsShownBeforeTheWatchdogEndsIt() throws Exception {
    // One answer of the primary never reaches the routine: no round ends and none fails. The status
    // says so 45 s after the last round (a read waits at most 31.875 s), before the watchdog ends the
    // routine 20 s after the read's longest wait; the fresh instance then replicates again.
    answersToLose.set(1);
    long armed = System.nanoTime();
    await().atMost(Duration.ofSeconds(80)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      JsonNode dc2 = datacenter(status(n2, "dc2"), "dc2");
      assertThat(dc2.get("Verdict").asText()).isEqualTo("degraded");
      assertThat(texts(dc2.get("Reasons"))).anySatisfy(r -> assertThat(r)
          .startsWith("replication has completed no round for ").contains("a step is not answering"));
    });
    System.out.printf("wedged replication shown %d ms after the answer was lost%n",
        (System.nanoTime() - armed) / 1_000_000);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      JsonNode status = status(n2, "dc2");
      assertThat(status.at("/Local/Replication/WedgedRestarts").asLong()).isEqualTo(1);
      assertThat(datacenter(status, "dc2").get("Verdict").asText()).isEqualTo("healthy");
    });
  }

  @Test
  @Order(4)
  void aDecommissionedDcStaysGoneWhileItsAntiEntropyPushesUntilRecommissioned() throws Exception {
    // dc2 keeps running, so its anti-entropy pushes its state again as soon as replication removes it.
    long pushesBefore = antiEntropyPushes(n2);
    JsonNode dc2State = TestServers.json(TestServers.get(n1, "/v1/internal/federation-state/dc2", null)).get("State");
    HttpResponse<String> decommissioned = TestServers.delete(n3, "/v1/internal/federation-state/dc2?decommission=1",
        null);
    assertThat(decommissioned.statusCode()).as("asked of another secondary, served by the primary: "
        + decommissioned.body()).isEqualTo(200);
    long at = System.nanoTime();
    // Two refused pushes (anti-entropy retries after 2 s, then 4 s), and each time the state stays gone
    // in the primary and in both secondaries' replicas.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      assertThat(antiEntropyPushes(n2)).isGreaterThanOrEqualTo(pushesBefore + 2);
      assertThat(status(n2, "dc2").at("/Local/AntiEntropy/LastPushResult").asText())
          .startsWith("federation state refused: datacenter dc2 was decommissioned at ")
          .endsWith("; to accept it again run `meshfed federation-state recommission dc2`");
    });
    System.out.printf("two pushes of the decommissioned dc2 refused within %d ms%n", (System.nanoTime() - at) / 1_000_000);
    for (MeshfedServer server : List.of(n1, n2, n3)) {
      assertThat(TestServers.get(server, "/v1/internal/federation-state/dc2", null).statusCode())
          .as(server.config().nodeName()).isEqualTo(404);
    }
    HttpResponse<String> upsert = TestServers.put(n1, "/v1/internal/federation-state",
        "{\"Op\":\"upsert\",\"State\":" + dc2State + "}", null);
    assertThat(upsert.statusCode()).as(upsert.body()).isEqualTo(400);
    assertThat(upsert.body()).contains("dc2 was decommissioned at ");
    JsonNode listed = TestServers.json(TestServers.get(n2, "/v1/internal/federation-states/decommissioned", null));
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("Datacenter").asText()).isEqualTo("dc2");
    assertRefused(TestServers.delete(n2, "/v1/internal/federation-state/dc1?decommission=1", null), 400,
        "cannot decommission dc1: it is the primary datacenter");

    HttpResponse<String> recommissioned = TestServers.put(n1, "/v1/internal/federation-state/dc2/recommission", "",
        null);
    assertThat(recommissioned.statusCode()).as(recommissioned.body()).isEqualTo(200);
    assertThat(TestServers.json(TestServers.get(n1, "/v1/internal/federation-states/decommissioned", null))).isEmpty();
    // The next retry of dc2's anti-entropy writes the state back, and replication spreads it.
    for (MeshfedServer server : List.of(n1, n3, n2)) {
      await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(TestServers.get(server, "/v1/internal/federation-state/dc2", null).statusCode())
              .as(server.config().nodeName()).isEqualTo(200));
    }
    await().atMost(FAULT_SHOWN).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(status(n2, "dc2").at("/Local/AntiEntropy/LastPushResult").asText()).isEqualTo("ok"));
  }

  @Test
  @Order(5)
  void aStoppedDcIsUnreachableEverywhereWithSinceWhen() throws Exception {
    Instant stoppedAt = Instant.now();
    TestServers.stop(n3);
    gateways.get("dc3").close();
    n3 = null;
    for (MeshfedServer server : List.of(n1, n2)) {
      await().atMost(FAULT_SHOWN).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
        JsonNode dc3 = datacenter(status(server, ""), "dc3");
        assertThat(dc3.get("Verdict").asText()).as(dc3.toString()).isEqualTo("unreachable");
        assertThat(texts(dc3.get("Reasons"))).anySatisfy(r ->
            assertThat(r).startsWith("1 of 1 server of dc3 failed in the WAN view since "));
        assertThat(Instant.parse(dc3.get("Since").asText())).isAfter(stoppedAt);
      });
    }
    assertThat(verdicts(n2)).containsEntry("dc1", "healthy").containsEntry("dc2", "healthy");
  }

  @Test
  @Order(6)
  void aForceLeaveFromAnotherDcReachesEveryServerAndAPruneForgetsTheMember() throws Exception {
    // Refusals first, each one line: an alive member, an unknown one, a name that is not a WAN
    // member's, this server itself (WAN and LAN), and a LAN server of another DC.
    assertRefused(TestServers.put(n2, "/v1/agent/force-leave/n1.dc1?wan=1", "", null), 400,
        "WAN member n1.dc1 is alive: force-leave removes failed members only");
    assertRefused(TestServers.put(n2, "/v1/agent/force-leave/n9.dc9?wan", "", null), 404, "no WAN member n9.dc9");
    assertRefused(TestServers.put(n2, "/v1/agent/force-leave/n3?wan=1", "", null), 400,
        "n3 is not a WAN member name");
    assertRefused(TestServers.put(n2, "/v1/agent/force-leave/n2.dc2?wan=1&prune=1", "", null), 400,
        "is this server");
    assertRefused(TestServers.put(n2, "/v1/agent/force-leave/n2", "", null), 400, "is this server");
    assertRefused(TestServers.put(n2, "/v1/agent/force-leave/n3", "", null), 404, "no server n3 in dc2's LAN");
    assertThat(statuses(n1)).containsEntry("n1.dc1", "alive").containsEntry("n3.dc3", "failed");

    // n3 crashed (order 4): force-left from dc2, every server of every DC sees it left.
    long asked = System.nanoTime();
    HttpResponse<String> left = TestServers.put(n2, "/v1/agent/force-leave/n3.dc3?wan=1", "", null);
    assertThat(left.statusCode()).as(left.body()).isEqualTo(200);
    assertThat(TestServers.json(left).get("Outcome").asText()).isEqualTo("left");
    for (MeshfedServer server : List.of(n1, n2)) {
      await().atMost(LEAVE_SPREAD).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(statuses(server)).as(server.config().nodeName()).containsEntry("n3.dc3", "left"));
    }
    System.out.printf("force-leave of n3.dc3 seen by n1 and n2 %d ms after it was asked of n2%n",
        (System.nanoTime() - asked) / 1_000_000);
    // A left member no longer counts as a failed server of its DC.
    await().atMost(FAULT_SHOWN).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(texts(datacenter(status(n1, "dc3"), "dc3").get("Reasons")))
            .contains("every server of dc3 has left the WAN (1 left)"));
    assertThat(TestServers.json(TestServers.put(n1, "/v1/agent/force-leave/n3.dc3?wan=1", "", null))
        .get("Message").asText()).isEqualTo("WAN member n3.dc3 had left already");

    // Pruned from the primary: forgotten everywhere.
    HttpResponse<String> pruned = TestServers.put(n1, "/v1/agent/force-leave/n3.dc3?wan=1&prune=1", "", null);
    assertThat(pruned.statusCode()).as(pruned.body()).isEqualTo(200);
    assertThat(TestServers.json(pruned).get("Outcome").asText()).isEqualTo("pruned");
    for (MeshfedServer server : List.of(n1, n2)) {
      await().atMost(LEAVE_SPREAD).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(statuses(server)).as(server.config().nodeName()).doesNotContainKey("n3.dc3")
              .containsEntry("n1.dc1", "alive").containsEntry("n2.dc2", "alive"));
    }
    assertRefused(TestServers.put(n2, "/v1/agent/force-leave/n3.dc3?wan=1&prune=1", "", null), 404,
        "no WAN member n3.dc3");
  }

  @Test
  @Order(7)
  void cuttingThePrimarysOnlyGatewayShowsTheProbesErrorAndFailingReplication() throws Exception {
    String gw1 = "127.0.0.1:" + gateways.get("dc1").listenAddress().getPort();
    gateways.get("dc1").close();
    await().atMost(FAULT_SHOWN).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      JsonNode status = status(n2, "");
      JsonNode dc1 = datacenter(status, "dc1");
      assertThat(dc1.get("Verdict").asText()).as(dc1.toString()).isEqualTo("unreachable");
      // Once replication has failed 3 times the locator dials gw1 directly, and gw1's probe is refused.
      assertThat(texts(dc1.get("Reasons"))).as(dc1.toString()).anySatisfy(r -> assertThat(r)
          .startsWith("no gateway on the path to dc1 (the primary's mesh gateways, dialed directly) passed its"
              + " probe: last error ")
          .containsIgnoringCase("refused").endsWith(" at " + gw1));
      JsonNode dc2 = datacenter(status, "dc2");
      assertThat(dc2.get("Verdict").asText()).isEqualTo("degraded");
      assertThat(texts(dc2.get("Reasons"))).anySatisfy(r -> assertThat(r).startsWith("replication failing: ")
          .contains("since the last success").contains("; last error: "));
    });
    System.out.println("n2's status with gw1 cut: " + status(n2, "").get("Datacenters"));
  }

  private static long antiEntropyPushes(MeshfedServer server) throws Exception {
    String metrics = TestServers.get(server, "/v1/agent/metrics", null).body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("meshfed_federation_state_anti_entropy_pushes_total ")) {
        return Long.parseLong(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("no anti-entropy push counter in the metrics of " + server.config().nodeName());
  }

  private static Map<String, String> statuses(MeshfedServer server) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode m : TestServers.json(TestServers.get(server, "/v1/agent/members?wan=1", null))) {
      out.put(m.get("Name").asText(), m.get("Status").asText());
    }
    return out;
  }

  private static void assertRefused(HttpResponse<String> r, int status, String reason) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.body()).contains(reason).doesNotContain("\n");
  }

  private static JsonNode status(MeshfedServer server, String dc) throws Exception {
    HttpResponse<String> r = TestServers.get(server, "/v1/operator/federation" + (dc.isEmpty() ? "" : "?dc=" + dc),
        null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return TestServers.json(r);
  }

  private static Map<String, String> verdicts(MeshfedServer server) throws Exception {
    Map<String, String> out = new TreeMap<>();
    status(server, "").get("Datacenters").forEach(d -> out.put(d.get("Datacenter").asText(), d.get("Verdict").asText()));
    return out;
  }

  private static String reasons(MeshfedServer server) throws Exception {
    List<String> out = new ArrayList<>();
    status(server, "").get("Datacenters").forEach(d -> out.add(d.get("Datacenter").asText() + ": " + d.get("Reasons")));
    return String.join("; ", out);
  }

  private static JsonNode datacenter(JsonNode status, String dc) {
    for (JsonNode d : status.get("Datacenters")) {
      if (d.get("Datacenter").asText().equals(dc)) {
        return d;
      }
    }
    throw new AssertionError("no " + dc + " in " + status);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
