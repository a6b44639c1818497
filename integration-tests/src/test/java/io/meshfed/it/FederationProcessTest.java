package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.protocol.model.Json;
import io.meshfed.transport.tls.CertificateTool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three DCs as real processes, each one TLS server and one mesh gateway, every DC on its own
 * loopback addresses (dcN: server 127.0.N.1, gateway 127.0.N.2). Secondaries know the primary only
 * through {@code primary-gateways}, and nothing at all about each other.
 *
 * <p>Issue 6, acceptance 3: all three servers see 3 alive WAN members; sampling every server's TCP
 * connections throughout shows none to another DC's server address; a server killed with -9 is
 * marked failed by the others. Issue 7, acceptance 3: every DC's federation state, with its
 * gateway, reaches all three DCs through anti-entropy and replication; a gateway registered in a
 * secondary, and one in the primary, reach every DC and their deregistration removes them
 * everywhere (the times are printed); losing its local gateway makes a secondary's leader dial the
 * primary's gateways after three failed replication rounds, and switch back after a success.
 * Acceptance 4: a secondary restarted while the primary is down serves its stored federation
 * states at once (the feature barrier opens from stored data, Consul #9342).
 */
class FederationProcessTest {
  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration CONVERGE = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  private final List<MeshfedProcess> processes = new ArrayList<>();
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

  /** One DC's addresses and ports. */
  record Dc(int n, int http, int grpc, int serverPort, int lan, int gatewayPort, int admin) {
    String name() {
      return "dc" + n;
    }

    String node() {
      return "n" + n;
    }

    String serverHost() {
      return "127.0." + n + ".1";
    }

    String gatewayHost() {
      return "127.0." + n + ".2";
    }

    String gateway() {
      return gatewayHost() + ":" + gatewayPort;
    }

    static Dc allocate(int n) throws Exception {
      return new Dc(n, MeshfedProcess.freePort(), MeshfedProcess.freePort(), MeshfedProcess.freePort(),
          MeshfedProcess.freePort(), MeshfedProcess.freePort(), MeshfedProcess.freePort());
    }
  }

  @AfterEach
  void stopAll() {
    sampler.shutdownNow();
    processes.forEach(MeshfedProcess::close);
  }

  @Test
  void threeDatacentersFederateOnlyThroughTheirGateways() throws Exception {
    CertificateTool.Issued ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    List<Dc> dcs = List.of(Dc.allocate(1), Dc.allocate(2), Dc.allocate(3));
    Dc dc1 = dcs.get(0);
    Map<String, MeshfedProcess> servers = new TreeMap<>();
    Map<String, Path> configs = new TreeMap<>();
    Map<String, MeshfedProcess> gateways = new TreeMap<>();
    long started = System.nanoTime();
    for (Dc dc : dcs) {
      configs.put(dc.name(), serverConfig(ca, dc, dc1));
      MeshfedProcess server = start("server", "--config-file", configs.get(dc.name()).toString());
      server.awaitReady(READY);
      servers.put(dc.name(), server);
      MeshfedProcess gateway = start(gatewayArgs(dc, "gw" + dc.n, dc.gatewayPort, dc.admin));
      gateway.awaitReady(READY);
      gateways.put(dc.name(), gateway);
    }

    long allReady = System.nanoTime();
    // Who connects to whom, sampled until the end: a server may reach another DC only through a gateway.
    Set<String> direct = ConcurrentHashMap.newKeySet();
    Set<String> throughGateways = ConcurrentHashMap.newKeySet();
    sampler.scheduleWithFixedDelay(() -> sample(dcs, servers, direct, throughGateways), 0, 200, TimeUnit.MILLISECONDS);

    // Issue 6: all three see 3 alive WAN members.
    for (Dc dc : dcs) {
      Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(wanMembers(dc)).as(dc.name() + "'s WAN members")
              .isEqualTo(Map.of("n1.dc1", "alive", "n2.dc2", "alive", "n3.dc3", "alive")));
    }
    System.out.printf("3 DCs: every WAN member alive everywhere %d ms after the first start, %d ms after the last "
        + "process was ready%n", millisSince(started), millisSince(allReady));

    // Issue 7: every DC's federation state, with its gateway, is held by all three.
    Map<String, Set<String>> expected = Map.of("dc1", Set.of("gw1"), "dc2", Set.of("gw2"), "dc3", Set.of("gw3"));
    awaitFederationStates(dcs, expected);
    System.out.printf("3 DCs: every federation state everywhere %d ms after the first start, %d ms after the last "
        + "process was ready%n", millisSince(started), millisSince(allReady));
    // What an operator sees in dc2: replication healthy, the locator dialing through dc2's own gateway.
    Dc dc2Addresses = dcs.get(1);
    assertThat(get(dc2Addresses, "/v1/agent/metrics")).contains("meshfed_federation_state_replication_status 1\n")
        .containsPattern("(?m)^meshfed_federation_state_replication_index [1-9]");
    JsonNode locator = Json.mapper().readTree(get(dc2Addresses, "/v1/agent/gateway-locator"));
    assertThat(locator.get("LocalGateways").toString()).isEqualTo("[\"" + dc2Addresses.gateway() + "\"]");
    assertThat(locator.get("DialPrimaryThroughLocalGateways").asBoolean()).isTrue();
    assertThat(Json.mapper().readTree(get(dc2Addresses, "/v1/operator/routines"))
        .at("/Routines").findValues("Details").toString()).contains("\"Healthy\":\"true\"");

    // A gateway registered in a secondary (anti-entropy to the primary, replication to the others),
    // then one in the primary (replication); deregistered, each leaves every DC.
    addAndRemoveGateway(dcs, dcs.get(2), "gw3b", expected);
    addAndRemoveGateway(dcs, dc1, "gw1b", expected);

    // dc2 loses its own gateway: replication through it fails, and after three failures dc2's
    // leader dials the primary's gateways directly; that succeeds, and it goes back to local.
    gateways.get("dc2").process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    MeshfedProcess dc2 = servers.get("dc2");
    Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(String.join("\n", dc2.stderr))
            .contains("will dial the primary datacenter through its mesh gateways")
            .contains("will dial the primary datacenter using our local mesh gateways if possible"));

    // Issue 6: dc3's server dies; the others mark it failed.
    servers.get("dc3").process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    long killed = System.nanoTime();
    Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(wanMembers(dc1)).containsEntry("n3.dc3", "failed"));
    System.out.printf("n3.dc3 killed: failed in dc1's view after %d ms%n", millisSince(killed));

    // Acceptance 4: the primary goes down, then dc2 restarts; its stored states open the barrier.
    servers.get("dc1").process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertThat(servers.get("dc2").terminate(Duration.ofSeconds(30))).isIn(0, 143);
    MeshfedProcess restarted = start("server", "--config-file", configs.get("dc2").toString());
    restarted.awaitReady(READY);
    long restartedAt = System.nanoTime();
    servers.put("dc2", restarted);
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
        assertThat(federationStates(dcs.get(1))).as("dc2's stored states, served with the primary down")
            .isEqualTo(expected));
    System.out.printf("dc2 restarted with the primary down: federation states served %d ms after ready%n",
        millisSince(restartedAt));

    sampler.shutdown();
    assertThat(sampler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(direct).as("connections from a server to another DC's server").isEmpty();
    assertThat(throughGateways).as("the sampling saw servers' connections to gateways (it works)")
        .contains("dc2->gw1", "dc2->gw2", "dc3->gw3");
  }

  private void addAndRemoveGateway(List<Dc> dcs, Dc dc, String name, Map<String, Set<String>> before)
      throws Exception {
    MeshfedProcess gateway = start(gatewayArgs(dc, name, MeshfedProcess.freePort(), MeshfedProcess.freePort()));
    gateway.awaitReady(READY);
    long registered = System.nanoTime();
    Map<String, Set<String>> with = new TreeMap<>(before);
    Set<String> names = new TreeSet<>(before.get(dc.name()));
    names.add(name);
    with.put(dc.name(), names);
    awaitFederationStates(dcs, with);
    System.out.printf("gateway %s registered in %s: in the federation states of all 3 DCs after %d ms%n",
        name, dc.name(), millisSince(registered));
    long deregistered = System.nanoTime();
    assertThat(gateway.terminate(Duration.ofSeconds(30))).isIn(0, 143);
    awaitFederationStates(dcs, before);
    System.out.printf("gateway %s deregistered: gone from all 3 DCs after %d ms%n", name, millisSince(deregistered));
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static void sample(List<Dc> dcs, Map<String, MeshfedProcess> servers, Set<String> direct,
      Set<String> throughGateways) {
    for (Dc from : dcs) {
      MeshfedProcess server = servers.get(from.name());
      if (server == null || !server.process.isAlive()) {
        continue;
      }
      try {
        for (TcpConnections.Connection c : TcpConnections.establishedBy(server.process.pid())) {
          for (Dc to : dcs) {
            if (c.remoteAddress().equals(to.serverHost()) && to != from) {
              direct.add(from.name() + " " + c);
            }
            if (c.remoteAddress().equals(to.gatewayHost()) && c.remotePort() == to.gatewayPort) {
              throughGateways.add(from.name() + "->gw" + to.n);
            }
          }
        }
      } catch (Exception processGone) {
        // the process exited between the check and the read
      }
    }
  }

  private MeshfedProcess start(String... args) throws Exception {
    MeshfedProcess p = MeshfedProcess.start(args);
    processes.add(p);
    return p;
  }

  private static String[] gatewayArgs(Dc dc, String name, int port, int admin) {
    String address = dc.gatewayHost() + ":" + port;
    return new String[] {"gateway", "--datacenter", dc.name(), "--listen", address, "--lan-address", address,
        "--wan-address", address, "--admin-port", Integer.toString(admin),
        "--server-addr", dc.serverHost() + ":" + dc.grpc, "--register", "--expose-servers", "--name", name};
  }

  private Path serverConfig(CertificateTool.Issued ca, Dc dc, Dc primary) throws Exception {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, dc.name(), dc.node(), "meshfed", Duration.ofDays(30));
    Path certFile = Files.writeString(dir.resolve(dc.node() + ".pem"), cert.certificatePem());
    Path keyFile = Files.writeString(dir.resolve(dc.node() + "-key.pem"), cert.privateKeyPem());
    String primaryGateways = dc == primary ? "" : "primary-gateways = [\"" + primary.gateway() + "\"]";
    return Files.writeString(dir.resolve(dc.name() + ".conf"), """
        meshfed {
          datacenter = %s, primary-datacenter = dc1, node-name = %s, data-dir = "%s"
          bind-address = "%s"
          ports { http = %d, grpc = %d, server = %d, lan = %d }
          tls { ca-file = "%s", cert-file = "%s", key-file = "%s" }
          connect { enabled = true, enable-mesh-gateway-wan-federation = true }
          %s
          primary-gateways-interval = 1s
          retry-interval-wan = 1s
          wan {
            probe-interval = 1s, probe-timeout = 500ms, gossip-interval = 200ms
            push-pull-interval = 10s, reconnect-interval = 5s, gossip-to-the-dead-time = 10s
          }
          federation-states { gateway-probe-interval = 2s, gateway-probe-timeout = 1s }
        }
        """.formatted(dc.name(), dc.node(), dir.resolve("data-" + dc.name()), dc.serverHost(), dc.http, dc.grpc,
        dc.serverPort, dc.lan, dir.resolve("ca.pem"), certFile, keyFile, primaryGateways));
  }

  /** Member name → Serf status, from {@code GET /v1/agent/members?wan=1}. */
  private static Map<String, String> wanMembers(Dc dc) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode m : Json.mapper().readTree(get(dc, "/v1/agent/members?wan=1"))) {
      out.put(m.get("Name").asText(), m.get("Status").asText());
    }
    return out;
  }

  /** Waits until every DC's own store holds {@code expected}. */
  private static void awaitFederationStates(List<Dc> dcs, Map<String, Set<String>> expected) {
    for (Dc dc : dcs) {
      Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
          assertThat(federationStates(dc)).as("federation states held by " + dc.name()).isEqualTo(expected));
    }
  }

  /** DC → its gateways' node names, from {@code dc}'s own store. */
  private static Map<String, Set<String>> federationStates(Dc dc) throws Exception {
    Map<String, Set<String>> held = new TreeMap<>();
    for (JsonNode state : Json.mapper().readTree(get(dc, "/v1/internal/federation-states"))) {
      Set<String> names = new TreeSet<>();
      state.get("MeshGateways").forEach(g -> names.add(g.at("/Node/Node").asText()));
      held.put(state.get("Datacenter").asText(), names);
    }
    return held;
  }

  private static String get(Dc dc, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://" + dc.serverHost() + ":" + dc.http + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError(dc.name() + " " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }
}
