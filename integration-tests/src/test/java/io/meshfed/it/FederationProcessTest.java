package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.it.Federation.Dc;
import io.meshfed.protocol.model.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three DCs as real processes, each one TLS server and one mesh gateway, every DC on its own
 * loopback addresses ({@link Federation}). Secondaries know the primary only through
 * {@code primary-gateways}, and nothing at all about each other. Federating any other way is
 * refused: a secondary configured with {@code connect.enable-mesh-gateway-wan-federation = false}
 * or {@code retry-join-wan} stops at start-up with one line; dc3 leaves the switch out.
 *
 * <p>WAN membership: all three servers see 3 alive WAN members; sampling every server's TCP
 * connections throughout shows none to another DC's server address; a server killed with -9 is
 * marked failed by the others. Federation states: every DC's federation state, with its
 * gateway, reaches all three DCs through anti-entropy and replication; a gateway registered in a
 * secondary, and one in the primary, reach every DC and their deregistration removes them
 * everywhere (the times are printed); losing its local gateway makes a secondary's leader dial the
 * primary's gateways after three failed replication rounds, and switch back after a success.
 * Restarts: a secondary restarted while the primary is down serves its stored federation
 * states at once (the feature barrier opens from stored data, Consul #9342).
 */
class FederationProcessTest {
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(60);
  @TempDir Path dir;

  @Test
  void threeDatacentersFederateOnlyThroughTheirGateways() throws Exception {
    try (Federation f = new Federation(dir, "dc1")) {
      Dc dc1 = f.dc("dc1", 1, 1);
      Dc dc2 = f.dc("dc2", 1, 1);
      Dc dc3 = f.dc("dc3", 1, 1);
      // Only through gateways: a secondary told to federate otherwise stops at start-up with one
      // line and leaves nothing (it starts on the same ports and data dir below).
      assertRefused(f.refusedStart(dc2.server(), "connect.enable-mesh-gateway-wan-federation = false"), dir,
          "Error: 'connect.enable-mesh-gateway-wan-federation = false' is not supported: meshfed federates "
              + "datacenters only through mesh gateways and its servers never dial another datacenter's servers "
              + "directly; remove the line or set it to true");
      assertRefused(f.refusedStart(dc2.server(), "retry-join-wan = [\"" + dc1.server().host + ":" + dc1.server().serverPort + "\"]"), dir,
          "Error: meshfed.retry-join-wan is not supported: meshfed servers never dial another datacenter's servers "
              + "directly, and a secondary joins the WAN through the primary's mesh gateways: list their WAN "
              + "addresses in meshfed.primary-gateways instead");
      long started = System.nanoTime();
      for (Dc dc : f.dcs()) {
        // dc3 leaves Consul's switch out: federating through gateways is what meshfed does anyway.
        f.startServers(dc, dc == dc3 ? "connect.enable-mesh-gateway-wan-federation = null" : "");
        f.startGateways(dc);
      }
      long allReady = System.nanoTime();
      f.sampleConnections();

      // WAN membership: all three see 3 alive WAN members.
      f.awaitEveryWanMemberAlive();
      System.out.printf("3 DCs: every WAN member alive everywhere %d ms after the first start, %d ms after the last "
          + "process was ready%n", millisSince(started), millisSince(allReady));

      // Federation states: every DC's federation state, with its gateway, is held by all three.
      Map<String, Set<String>> expected = Map.of("dc1", Set.of("gw1a"), "dc2", Set.of("gw2a"), "dc3", Set.of("gw3a"));
      f.awaitFederationStates(expected);
      System.out.printf("3 DCs: every federation state everywhere %d ms after the first start, %d ms after the last "
          + "process was ready%n", millisSince(started), millisSince(allReady));
      // What an operator sees in dc2: replication healthy, the locator dialing through dc2's own gateway.
      assertThat(dc2.server().get("/v1/agent/metrics")).contains("meshfed_federation_state_replication_status 1\n")
          .containsPattern("(?m)^meshfed_federation_state_replication_index [1-9]");
      JsonNode locator = Json.mapper().readTree(dc2.server().get("/v1/agent/gateway-locator"));
      assertThat(locator.get("LocalGateways").toString())
          .isEqualTo("[\"" + dc2.gateway(dc2.gatewayPorts.get(0)) + "\"]");
      assertThat(locator.get("DialPrimaryThroughLocalGateways").asBoolean()).isTrue();
      assertThat(Json.mapper().readTree(dc2.server().get("/v1/operator/routines"))
          .at("/Routines").findValues("Details").toString()).contains("\"Healthy\":\"true\"");

      // The federation status, from the CLI of a secondary's server: every DC healthy, one line each.
      Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(verdicts(dc2)).isEqualTo(Map.of("dc1", "healthy", "dc2", "healthy", "dc3", "healthy")));
      MeshfedProcess.Result status = MeshfedProcess.run(CLI_TIMEOUT, "federation", "status", "--http-addr",
          dc2.server().host + ":" + dc2.server().http);
      System.out.println("meshfed federation status (dc2):\n" + status.out());
      assertThat(status.exitCode()).as(status.stderr().toString()).isZero();
      assertThat(status.out()).containsPattern("(?m)^dc1 +healthy +").containsPattern("(?m)^dc2 +healthy +")
          .containsPattern("(?m)^dc3 +healthy +");

      // A gateway registered in a secondary (anti-entropy to the primary, replication to the others),
      // then one in the primary (replication); deregistered, each leaves every DC.
      addAndRemoveGateway(f, dc3, "gw3x", expected);
      addAndRemoveGateway(f, dc1, "gw1x", expected);

      // dc2 loses its own gateway: replication through it fails, and after three failures dc2's
      // leader dials the primary's gateways directly; that succeeds, and it goes back to local.
      dc2.gateways.get("gw2a").process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(dc2.server().stderr())
              .contains("will dial the primary datacenter through its mesh gateways")
              .contains("will dial the primary datacenter using our local mesh gateways if possible"));

      // dc2 reaches dc3 only through its own gateway, which is gone: dc3 is unreachable from dc2, and says why.
      Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(verdicts(dc2)).containsEntry("dc3", "unreachable"));
      System.out.println("dc2's view of dc3 without gw2a: " + statusOf(dc2, "dc3").get("Reasons"));
      assertThat(statusOf(dc2, "dc3").get("Reasons").toString()).contains("on the path to dc3 (this DC's mesh gateways)");

      // WAN membership: dc3's server dies; the others mark it failed.
      dc3.server().process.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      long killed = System.nanoTime();
      Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(dc1.server().wanMembers()).containsEntry("n3a.dc3", "failed"));
      System.out.printf("n3a.dc3 killed: failed in dc1's view after %d ms%n", millisSince(killed));
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(statusOf(dc1, "dc3").get("Reasons").get(0).asText())
              .startsWith("1 of 1 server of dc3 failed in the WAN view since "));
      assertThat(statusOf(dc1, "dc3").get("Verdict").asText()).isEqualTo("unreachable");
      System.out.printf("n3a.dc3 killed: unreachable in dc1's federation status after %d ms%n", millisSince(killed));

      // Acceptance 4: the primary goes down, then dc2 restarts; its stored states open the barrier.
      dc1.server().process.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      assertThat(dc2.server().process.terminate(Duration.ofSeconds(30))).isIn(0, 143);
      f.restart(dc2.server());
      long restartedAt = System.nanoTime();
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(dc2.server().federationStates()).as("dc2's stored states, served with the primary down")
              .isEqualTo(expected));
      System.out.printf("dc2 restarted with the primary down: federation states served %d ms after ready%n",
          millisSince(restartedAt));

      assertThat(f.directConnections()).as("connections from a server to another DC's server").isEmpty();
      assertThat(f.connectionsToGateways()).as("the sampling saw servers' connections to gateways (it works)")
          .contains("dc2->dc1", "dc2->dc2", "dc3->dc3");
    }
  }

  /** DC → verdict, from {@code GET /v1/operator/federation} on the DC's first server. */
  private static Map<String, String> verdicts(Dc dc) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode d : Json.mapper().readTree(dc.server().get("/v1/operator/federation")).get("Datacenters")) {
      out.put(d.get("Datacenter").asText(), d.get("Verdict").asText());
    }
    return out;
  }

  private static JsonNode statusOf(Dc from, String dc) throws Exception {
    return Json.mapper().readTree(from.server().get("/v1/operator/federation?dc=" + dc)).get("Datacenters").get(0);
  }

  private static void addAndRemoveGateway(Federation f, Dc dc, String name, Map<String, Set<String>> before)
      throws Exception {
    MeshfedProcess gateway = dc.startGateway(name, Federation.freePort(), Federation.STOP_AT_ONCE);
    long registered = System.nanoTime();
    Map<String, Set<String>> with = new TreeMap<>(before);
    Set<String> names = new TreeSet<>(before.get(dc.name));
    names.add(name);
    with.put(dc.name, names);
    f.awaitFederationStates(with);
    System.out.printf("gateway %s registered in %s: in the federation states of all 3 DCs after %d ms%n",
        name, dc.name, millisSince(registered));
    long deregistered = System.nanoTime();
    assertThat(gateway.terminate(Duration.ofSeconds(30))).isIn(0, 143);
    f.awaitFederationStates(before);
    System.out.printf("gateway %s deregistered: gone from all 3 DCs after %d ms%n", name, millisSince(deregistered));
  }

  static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static void assertRefused(MeshfedProcess.Result r, Path dir, String line) throws Exception {
    assertThat(r.exitCode()).as(r.stderr().toString()).isEqualTo(1);
    assertThat(r.stderr()).containsExactly(line);
    try (var left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).as("what a refused start left").noneMatch(
          name -> name.startsWith("data-"));
    }
  }
}
