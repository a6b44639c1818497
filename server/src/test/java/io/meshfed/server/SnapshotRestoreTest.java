package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.gateway.GatewaySettings;
import io.meshfed.gateway.MeshGateway;
import io.meshfed.gateway.route.RouteTableBuilder;
import io.meshfed.gateway.route.RoutingInputs;
import io.meshfed.persistence.store.SnapshotFile;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.server.config.ServerConfigLoader;
import io.meshfed.transport.tls.CertificateTool;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backing up and restoring a primary DC (docs/operations.md, "Losing the primary DC"): a snapshot
 * saved from a live primary while writes go on, the primary destroyed, the snapshot restored into a
 * fresh DC of the same name, and the federation resuming through real mesh gateways.
 */
class SnapshotRestoreTest {
  private static final Map<String, Object> FAST = Map.of(
      "wan.probe-interval", "300ms", "wan.probe-timeout", "150ms", "wan.suspicion-mult", 3,
      "wan.gossip-interval", "50ms", "wan.push-pull-interval", "1s", "wan.reconnect-interval", "1s",
      "retry-interval-wan", "1s", "federation-states.gateway-probe-interval", "1s",
      "federation-states.gateway-probe-timeout", "500ms");
  /** Two DCs through gateways on a busy 2-core machine; replication retries an unreachable primary each second. */
  private static final Duration CONVERGE = Duration.ofSeconds(60);

  @TempDir Path dir;

  /**
   * Every write the primary acknowledged before the save started is in the restored primary; a
   * secondary behind a gateway then replicates from it again, and it takes the secondary's
   * anti-entropy pushes.
   */
  @Test
  void aPrimaryRestoredFromASnapshotTakenUnderWritesKeepsThemAndTheFederationResumes() throws Exception {
    CertificateTool.Issued ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    Map<String, MeshGateway> gateways = new HashMap<>();
    Map<String, Integer> serverPorts = new HashMap<>();
    for (String dc : List.of("dc1", "dc2")) {
      gateways.put(dc, MeshGateway.start(GatewaySettings.builder("127.0.0.1", 0).build()));
    }
    for (String dc : gateways.keySet()) {
      serverPorts.put(dc, TestServers.freePort());
    }
    for (String dc : gateways.keySet()) {
      String other = dc.equals("dc1") ? "dc2" : "dc1";
      gateways.get(dc).updateRoutes(RouteTableBuilder.build(1, new RoutingInputs(dc, "meshfed", true,
          Map.of("n" + dc.substring(2), new InetSocketAddress("127.0.0.1", serverPorts.get(dc))),
          Map.of(other, List.of(gateways.get(other).listenAddress())))));
    }
    String gw1 = "127.0.0.1:" + gateways.get("dc1").listenAddress().getPort();
    Map<String, Object> n1Options = options(ca, "dc1", "n1", serverPorts.get("dc1"), Map.of());
    MeshfedServer n1 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, n1Options));
    boolean n1Stopped = false;
    MeshfedServer n2 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        options(ca, "dc2", "n2", serverPorts.get("dc2"), Map.of("primary-gateways", List.of(gw1)))));
    MeshfedServer restored = null;
    try {
      registerGateway(n1, "gw1", gateways.get("dc1"));
      registerGateway(n2, "gw2", gateways.get("dc2"));
      await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() ->
          states(n2).containsAll(Set.of("dc1", "dc2")) && states(n1).contains("dc2"));

      // A writer applies federation states to the primary; each acknowledgement is timed.
      Map<String, Long> acknowledged = new ConcurrentHashMap<>();
      AtomicBoolean writing = new AtomicBoolean(true);
      Thread writer = new Thread(() -> {
        for (int i = 0; writing.get(); i++) {
          String dc = "w-" + i;
          try {
            if (TestServers.put(n1, "/v1/internal/federation-state", TestServers.upsert(dc), null).statusCode() == 200) {
              acknowledged.put(dc, System.nanoTime());
            }
          } catch (Exception e) {
            // A write that failed was not acknowledged: the test does not count it.
          }
        }
      }, "snapshot-test-writer");
      writer.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 20);
      long saveStarted = System.nanoTime();
      HttpResponse<byte[]> saved = TestServers.HTTP.send(HttpRequest.newBuilder(
              URI.create("http://" + n1.httpAddress() + "/v1/snapshot")).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
      int beforeSave = acknowledged.size();
      await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= beforeSave + 10);
      writing.set(false);
      writer.join();
      assertThat(saved.statusCode()).isEqualTo(200);
      Path file = dir.resolve("dc1.snap");
      SnapshotFile.write(file, saved.body());
      SnapshotFile.Contents contents = SnapshotFile.read(file);
      assertThat(contents.header().datacenter()).isEqualTo("dc1");
      assertThat(saved.headers().firstValue("X-Meshfed-Index")).contains(Long.toString(contents.header().index()));
      Set<String> beforeTheSave = new TreeSet<>();
      acknowledged.forEach((dc, at) -> {
        if (at < saveStarted) {
          beforeTheSave.add(dc);
        }
      });
      assertThat(beforeTheSave).hasSizeGreaterThanOrEqualTo(20);
      System.out.printf("snapshot at index %d, %d bytes; writes acknowledged before the save: %d, in all: %d%n",
          contents.header().index(), saved.body().length, beforeTheSave.size(), acknowledged.size());

      // The primary DC is lost: stopped, its data dir gone. A new one of the same name gets the snapshot.
      ServerConfig n1Config = n1.config();
      TestServers.stop(n1);
      n1Stopped = true;
      deleteTree(n1Config.dataDir());
      SnapshotRestore.Restored r = SnapshotRestore.restore(n1Config, file, false, false);
      assertThat(r.snapshotIndex()).isEqualTo(contents.header().index());
      assertThat(r.index()).isEqualTo(contents.header().index() + 1);
      restored = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, n1Options));

      assertThat(states(restored)).containsAll(beforeTheSave).contains("dc1", "dc2");
      // The secondary replicates from the restored primary again...
      HttpResponse<String> after = TestServers.put(restored, "/v1/internal/federation-state",
          TestServers.upsert("after-restore"), null);
      assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
      assertThat(TestServers.index(after)).isGreaterThan(r.index());
      MeshfedServer primary = restored;
      await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() ->
          states(n2).containsAll(beforeTheSave) && states(n2).contains("after-restore"));
      // ...and the primary takes its anti-entropy: a gateway added in dc2 reaches dc2's state there.
      registerGateway(n2, "gw2b", gateways.get("dc2"));
      await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() ->
          gatewayNodes(primary, "dc2").equals(List.of("gw2", "gw2b")));
    } finally {
      for (MeshfedServer s : new MeshfedServer[] {restored, n2, n1Stopped ? null : n1}) {
        if (s != null) {
          TestServers.stop(s);
        }
      }
      gateways.values().forEach(MeshGateway::close);
    }
  }

  /**
   * The other backend, both ways, and what a restore refuses: a snapshot of a PostgreSQL DC restores
   * into a new H2 one; the H2 DC's snapshot goes back into the PostgreSQL journal only with force;
   * a bad file, another DC's snapshot and a running server's data dir change nothing.
   */
  @Test
  void betweenPostgresAndH2AndWhatARestoreRefuses() throws Exception {
    Map<String, Object> pg = TestServers.postgres();
    // Its own DC, hence its own rows in the shared test database.
    String dc = "snap-" + Long.toHexString(System.nanoTime());
    Map<String, Object> onPg = new HashMap<>(pg);
    onPg.put("datacenter", dc);
    onPg.put("primary-datacenter", dc);
    MeshfedServer pgServer = TestServers.start(dir.resolve("pg"), onPg);
    ServerConfig pgConfig = pgServer.config();
    Path fromPg = dir.resolve("from-pg.snap");
    try {
      for (String written : List.of("pg-a", "pg-b")) {
        assertThat(TestServers.put(pgServer, "/v1/internal/federation-state", TestServers.upsert(written), null)
            .statusCode()).isEqualTo(200);
      }
      SnapshotFile.write(fromPg, snapshot(pgServer));
      // A server holds its data dir: nothing is restored beside it.
      assertThatThrownBy(() -> SnapshotRestore.restore(pgConfig, fromPg, true, false))
          .isInstanceOf(SnapshotRestore.RestoreException.class)
          .hasMessageContaining("is in use by a running meshfed server");
    } finally {
      TestServers.stop(pgServer);
    }

    Map<String, Object> onH2 = Map.of("datacenter", dc, "primary-datacenter", dc);
    ServerConfig h2Config = ServerConfigLoader.load(Optional.empty(), true, withDataDir(onH2, dir.resolve("h2")));
    SnapshotRestore.restore(h2Config, fromPg, false, false);
    // The restore's own actor system and journal pool end with it.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(StopLeavesNothingTest.serverThreads()).as("threads left after a restore").isEmpty());
    MeshfedServer h2Server = TestServers.start(dir.resolve("h2"), onH2);
    Path fromH2 = dir.resolve("from-h2.snap");
    try {
      assertThat(states(h2Server)).contains(dc, "pg-a", "pg-b");
      assertThat(TestServers.put(h2Server, "/v1/internal/federation-state", TestServers.upsert("h2-c"), null)
          .statusCode()).isEqualTo(200);
      SnapshotFile.write(fromH2, snapshot(h2Server));
    } finally {
      TestServers.stop(h2Server);
    }

    // Bad files are refused before anything is opened: the H2 journal stays as it was, byte for byte.
    Map<Path, byte[]> h2Files = contents(dir.resolve("h2"));
    byte[] good = Files.readAllBytes(fromH2);
    Map<String, byte[]> bad = Map.of(
        "truncated", java.util.Arrays.copyOf(good, good.length / 2),
        "damaged: its SHA-256 checksum", flipped(good),
        "not a meshfed snapshot", "hello".getBytes());
    for (Map.Entry<String, byte[]> b : bad.entrySet()) {
      Path file = Files.write(dir.resolve("bad.snap"), b.getValue());
      assertThatThrownBy(() -> SnapshotRestore.restore(h2Config, file, true, false))
          .isInstanceOf(SnapshotFile.InvalidSnapshotException.class).hasMessageStartingWith(b.getKey());
    }
    ServerConfig otherDc = ServerConfigLoader.load(Optional.empty(), true,
        withDataDir(Map.of("datacenter", "dc9", "primary-datacenter", "dc9"), dir.resolve("h2")));
    assertThatThrownBy(() -> SnapshotRestore.restore(otherDc, fromH2, true, false))
        .isInstanceOf(SnapshotFile.InvalidSnapshotException.class)
        .hasMessage("the snapshot is of DC '" + dc + "', not of 'dc9' (give --datacenter-override to restore it all the same)");
    assertThat(contents(dir.resolve("h2"))).containsOnlyKeys(h2Files.keySet().toArray(Path[]::new));
    Map<Path, byte[]> h2FilesAfter = contents(dir.resolve("h2"));
    h2Files.forEach((path, bytes) -> assertThat(h2FilesAfter.get(path)).as(path.toString()).isEqualTo(bytes));

    // Back into the PostgreSQL DC, which has a journal: refused without force, then replaced.
    assertThatThrownBy(() -> SnapshotRestore.restore(pgConfig, fromH2, false, false))
        .isInstanceOf(SnapshotRestore.RestoreException.class)
        .hasMessageContaining("the store is not empty").hasMessageContaining("give --force");
    SnapshotRestore.Restored r = SnapshotRestore.restore(pgConfig, fromH2, true, false);
    MeshfedServer back = TestServers.start(dir.resolve("pg"), onPg);
    try {
      assertThat(states(back)).contains(dc, "pg-a", "pg-b", "h2-c");
      HttpResponse<String> list = TestServers.get(back, "/v1/internal/federation-states", null);
      assertThat(TestServers.index(list)).isGreaterThanOrEqualTo(r.index());
    } finally {
      TestServers.stop(back);
    }
  }

  private static byte[] snapshot(MeshfedServer server) throws Exception {
    HttpResponse<byte[]> r = TestServers.HTTP.send(HttpRequest.newBuilder(
        URI.create("http://" + server.httpAddress() + "/v1/snapshot")).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static byte[] flipped(byte[] file) {
    byte[] copy = file.clone();
    copy[copy.length / 2] ^= 1;
    return copy;
  }

  private static Map<String, Object> withDataDir(Map<String, Object> options, Path dataDir) {
    Map<String, Object> o = new HashMap<>(options);
    o.put("data-dir", dataDir.toString());
    o.put("node-name", "n1");
    return o;
  }

  private static Map<Path, byte[]> contents(Path dir) throws Exception {
    Map<Path, byte[]> files = new HashMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(p, Files.readAllBytes(p));
      }
    }
    return files;
  }

  private Map<String, Object> options(CertificateTool.Issued ca, String dc, String node, int serverPort,
      Map<String, Object> extra) throws Exception {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, dc, node, "meshfed", Duration.ofDays(30));
    Map<String, Object> o = new HashMap<>(FAST);
    o.putAll(extra);
    o.put("tls.ca-file", dir.resolve("ca.pem").toString());
    o.put("tls.cert-file", Files.writeString(dir.resolve(dc + ".pem"), cert.certificatePem()).toString());
    o.put("tls.key-file", Files.writeString(dir.resolve(dc + "-key.pem"), cert.privateKeyPem()).toString());
    o.put("datacenter", dc);
    o.put("primary-datacenter", "dc1");
    o.put("node-name", node);
    o.put("data-dir", dir.resolve(dc).toString());
    o.put("ports.server", serverPort);
    return o;
  }

  private static void registerGateway(MeshfedServer server, String node, MeshGateway gateway) throws Exception {
    String body = """
        {"Node":"%s","Address":"127.0.0.1",
         "Service":{"Service":"mesh-gateway","Kind":"mesh-gateway","Port":%d,"Meta":{"meshfed-wan-federation":"1"}},
         "Check":{"CheckID":"gw-alive","Name":"alive","Status":"passing","ServiceID":"mesh-gateway"}}
        """.formatted(node, gateway.listenAddress().getPort());
    HttpResponse<String> r = TestServers.put(server, "/v1/catalog/register", body, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static Set<String> states(MeshfedServer server) throws Exception {
    Set<String> dcs = new TreeSet<>();
    HttpResponse<String> r = TestServers.get(server, "/v1/internal/federation-states", null);
    if (r.statusCode() != 200) {
      // A secondary that has not yet replicated (or cannot reach the primary) says so in text.
      return dcs;
    }
    for (JsonNode s : TestServers.json(r)) {
      dcs.add(s.get("Datacenter").asText());
    }
    return dcs;
  }

  private static List<String> gatewayNodes(MeshfedServer server, String dc) throws Exception {
    HttpResponse<String> r = TestServers.get(server, "/v1/internal/federation-state/" + dc, null);
    List<String> nodes = new ArrayList<>();
    if (r.statusCode() == 200) {
      for (JsonNode g : TestServers.json(r).at("/State/MeshGateways")) {
        nodes.add(g.at("/Node/Node").asText());
      }
    }
    nodes.sort(Comparator.naturalOrder());
    return nodes;
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
