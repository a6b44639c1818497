package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.server.config.ServerConfigLoader;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store fail-over: three servers of one DC on one PostgreSQL; a writer sends 500
 * federation-state writes through one server while the server hosting the store dies without
 * leaving the cluster. Every acknowledged write must be present afterwards, and every other write
 * must have been reported to the writer as an error.
 */
class StoreFailoverTest {
  private static final int WRITES = 500;
  private static final int CRASH_AT = 150;

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

  /**
   * Alone, it hears no peer: a call in its first seconds is held until it has given its peers time
   * to answer (JoinProgress.PEERS_ANSWER_WITHIN, before the hold's own limit), and from then on
   * every call is answered at once.
   */
  @Test
  void aServerWaitingForItsDcSaysSo() throws Exception {
    Map<String, Object> pg = TestServers.postgres();
    int lan = TestServers.freePort();
    List<String> seeds = List.of("127.0.0.1:" + lan, "127.0.0.1:" + TestServers.freePort(),
        "127.0.0.1:" + TestServers.freePort());
    MeshfedServer alone = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        serverOptions(pg, 0, lan, seeds)));
    servers.add(alone);
    assertThat(alone.readyLine()).endsWith("; waiting for the DC to form (bootstrap-expect 3)");
    for (Duration within : List.of(alone.config().lanRpcHoldTimeout(), Duration.ofSeconds(2))) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = TestServers.get(alone, "/v1/internal/federation-states", null);
      assertThat(r.statusCode()).isEqualTo(503);
      // Alone, it forms nothing (LanBootstrap waits for bootstrap-expect servers).
      assertThat(r.body()).isEqualTo("this server is waiting for its DC to form: 0 of 3 servers are in the "
          + "cluster (bootstrap-expect = 3); retry");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(within);
    }
  }

  /**
   * A server restarted into its formed DC answers HTTP before it is Up in the cluster again (0.2 to
   * 1.5 s in the upgrade test); calls made meanwhile are held until it is (lan.rpc-hold-timeout),
   * not turned away with a 503.
   */
  @Test
  void aRestartedServerAnswersItsFirstCallOnceItHasRejoined() throws Exception {
    startThreeThatCrash(Map.of());
    MeshfedServer host = leader(servers.get(0));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        TestServers.put(host, "/v1/internal/federation-state", TestServers.upsert("before"), null).statusCode() == 200);
    MeshfedServer restarted = servers.stream().filter(s -> s != host).findFirst().orElseThrow();
    TestServers.stop(restarted);
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> TestServers.json(TestServers.get(host, "/v1/agent/members", null)).size() == 2);

    MeshfedServer again = MeshfedServer.start(restarted.config());
    servers.add(again);
    MemberStatus before = Cluster.get(again.system()).selfMember().status();
    long t0 = System.nanoTime();
    HttpResponse<String> r = TestServers.get(again, "/v1/internal/federation-states", null);
    System.out.printf("a restarted server (%s when called) answered %d after %d ms%n", before, r.statusCode(),
        Duration.ofNanos(System.nanoTime() - t0).toMillis());
    assertThat(before).as("called before it was Up again").isNotEqualTo(MemberStatus.up());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("\"before\"");
    // This call and any the server's own routines made meanwhile, all sent once it was Up.
    String metrics = TestServers.get(again, "/v1/agent/metrics", null).body();
    assertThat(metrics).contains("meshfed_store_calls_held_total{outcome=\"refused\"} 0\n")
        .containsPattern("meshfed_store_calls_held_total\\{outcome=\"sent\"} [1-9]");
  }

  private Map<String, Object> serverOptions(Map<String, Object> pg, int i, int lanPort, List<String> seeds) {
    Map<String, Object> o = new HashMap<>(pg);
    o.put("datacenter", "failover");
    o.put("primary-datacenter", "failover");
    o.put("node-name", "s" + (i + 1));
    o.put("data-dir", dir.resolve("s" + (i + 1)).toString());
    o.put("ports.lan", lanPort);
    o.put("retry-join", seeds);
    o.put("bootstrap-expect", 3);
    o.put("lan.failure-timeout", "2s");
    return o;
  }

  @Test
  void acknowledgedWritesSurviveTheStoreHostDying() throws Exception {
    startThreeThatCrash(Map.of());

    MeshfedServer host = leader(servers.get(0));
    MeshfedServer writer = servers.stream().filter(s -> s != host).findFirst().orElseThrow();

    Set<String> acknowledged = new HashSet<>();
    List<String> errors = new ArrayList<>();
    long crashedAt = 0;
    long lastAck = System.nanoTime();
    long longestGap = 0;
    int ackedAfterCrash = 0;
    for (int i = 0; i < WRITES; i++) {
      if (i == CRASH_AT) {
        host.system().terminate();
        crashedAt = System.nanoTime();
      }
      String dc = "w" + i;
      HttpResponse<String> r;
      try {
        r = TestServers.put(writer, "/v1/internal/federation-state", TestServers.upsert(dc), null);
      } catch (java.io.IOException e) {
        errors.add(dc + ": " + e);
        continue;
      }
      if (r.statusCode() == 200) {
        acknowledged.add(dc);
        long now = System.nanoTime();
        if (crashedAt != 0) {
          ackedAfterCrash++;
          longestGap = Math.max(longestGap, now - lastAck);
        }
        lastAck = now;
      } else {
        // Every failure is explicit: a status and a one-line reason the writer can act on.
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.body()).doesNotContain("\n").contains("retry");
        errors.add(dc + ": " + r.body());
      }
    }
    assertThat(acknowledged.size() + errors.size()).isEqualTo(WRITES);
    assertThat(ackedAfterCrash).as("writes succeed again after the store moved").isPositive();
    // The outage is the longest wait between two acknowledged writes once the host was gone.
    System.out.printf("store fail-over: writes paused for at most %d ms; %d of %d writes failed: %s%n",
        longestGap / 1_000_000, errors.size(), WRITES, errors);

    JsonNode states = TestServers.json(TestServers.get(writer, "/v1/internal/federation-states", null));
    Set<String> present = new HashSet<>();
    states.forEach(s -> present.add(s.get("Datacenter").asText()));
    assertThat(present).containsAll(acknowledged);
    // The leader moved with the store, restarted its routines, and the catalog lost the dead server.
    String deadNode = host.config().nodeName();
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonNode routines = TestServers.json(TestServers.get(writer, "/v1/operator/routines", null));
      assertThat(routines.get("Leader").asText()).isNotEqualTo(deadNode).isNotEmpty();
      assertThat(routines.at("/Routines/0/Running").asBoolean()).isTrue();
      JsonNode registered = TestServers.json(TestServers.get(writer, "/v1/health/service/meshfed?passing", null));
      Set<String> nodes = new HashSet<>();
      registered.forEach(n -> nodes.add(n.at("/Node/Node").asText()));
      assertThat(nodes).hasSize(2).doesNotContain(deadNode);
    });
    // Both survivors read the same store.
    MeshfedServer other = servers.stream().filter(s -> s != host && s != writer).findFirst().orElseThrow();
    assertThat(TestServers.get(other, "/v1/internal/federation-states", null).body())
        .isEqualTo(TestServers.get(writer, "/v1/internal/federation-states", null).body());
  }

  /**
   * A call forwarded to the store's host when it dies is never answered. Once the host is removed,
   * an idempotent write is sent again and answered by the new store, well within the 10 s the
   * server would otherwise wait; an ACL bootstrap, which cannot be sent twice, fails at once saying so.
   */
  @Test
  void callsInFlightWhenTheStoreHostDiesFailOver() throws Exception {
    // ACLs on for the bootstrap, everything else allowed without a token; and the slow path: with
    // the crash probe the host would be removed before the calls are sent.
    startThreeThatCrash(Map.of("acl.enabled", true, "acl.default-policy", "allow", "lan.crash-probe", false));
    MeshfedServer host = leader(servers.get(0));
    MeshfedServer writer = servers.stream().filter(s -> s != host).findFirst().orElseThrow();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        TestServers.put(writer, "/v1/internal/federation-state", TestServers.upsert("before"), null)
            .statusCode() == 200);

    host.system().terminate();
    host.system().getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    // Once the survivors found the host unreachable they still forward to it until it is removed:
    // from now on, what the proxy sends is lost.
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> TestServers.aliveMembers(writer) == 2);
    long sent = System.nanoTime();
    java.util.concurrent.CompletableFuture<HttpResponse<String>> write = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> send(() -> TestServers.put(writer, "/v1/internal/federation-state",
            TestServers.upsert("in-flight"), null)));
    java.util.concurrent.CompletableFuture<HttpResponse<String>> bootstrap = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> send(() -> TestServers.put(writer, "/v1/acl/bootstrap", "", null)));

    HttpResponse<String> w = write.get(30, java.util.concurrent.TimeUnit.SECONDS);
    long writeMs = Duration.ofNanos(System.nanoTime() - sent).toMillis();
    HttpResponse<String> b = bootstrap.get(30, java.util.concurrent.TimeUnit.SECONDS);
    System.out.printf("in flight while the store moved: the write answered %d after %d ms; the bootstrap %d %s%n",
        w.statusCode(), writeMs, b.statusCode(), b.body());
    assertThat(w.statusCode()).as(w.body()).isEqualTo(200);
    // Without the fail-over it would have been a 503 after the server's own store timeout.
    assertThat(writeMs).isLessThan(StoreClient.CALL_TIMEOUT.toMillis());
    assertThat(b.statusCode()).isEqualTo(503);
    assertThat(b.body()).isEqualTo("the DC state store's server failed while this call was in flight; it may or "
        + "may not have been applied; retry");
    JsonNode states = TestServers.json(TestServers.get(writer, "/v1/internal/federation-states", null));
    Set<String> present = new HashSet<>();
    states.forEach(s -> present.add(s.get("Datacenter").asText()));
    assertThat(present).contains("before", "in-flight");
  }

  private interface Call {
    HttpResponse<String> call() throws Exception;
  }

  private static HttpResponse<String> send(Call c) {
    try {
      return c.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Three servers of one DC, formed. Terminating one's actor system is a crash as the others see it:
   * no leave, no hand-over; its LAN port closes (what the crash probe sees), then silence.
   */
  private void startThreeThatCrash(Map<String, Object> extra) throws Exception {
    Map<String, Object> pg = TestServers.postgres();
    List<Integer> lanPorts = List.of(TestServers.freePort(), TestServers.freePort(), TestServers.freePort());
    List<String> seeds = lanPorts.stream().map(p -> "127.0.0.1:" + p).toList();
    for (int i = 0; i < 3; i++) {
      Map<String, Object> o = serverOptions(pg, i, lanPorts.get(i), seeds);
      o.putAll(extra);
      ServerConfig config = ServerConfigLoader.load(Optional.empty(), true, o);
      servers.add(MeshfedServer.start(config, ConfigFactory.parseString(
          "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
              + "pekko.cluster.run-coordinated-shutdown-when-down = off")));
    }
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(this::allSeeThreeAlive);
  }

  private boolean allSeeThreeAlive() throws java.io.IOException, InterruptedException {
    for (MeshfedServer s : servers) {
      if (TestServers.aliveMembers(s) != 3) {
        return false;
      }
    }
    return true;
  }

  private MeshfedServer leader(MeshfedServer any) throws Exception {
    JsonNode members = TestServers.json(TestServers.get(any, "/v1/agent/members", null));
    for (JsonNode m : members) {
      if (m.at("/Tags/leader").asText().equals("true")) {
        String node = m.get("Name").asText();
        return servers.stream().filter(s -> s.config().nodeName().equals(node)).findFirst().orElseThrow();
      }
    }
    throw new AssertionError("no leader in " + members);
  }

}
