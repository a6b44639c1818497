package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigUtil;
import io.meshfed.protocol.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store fail-over with real processes: three real {@code meshfed server} processes form a DC on PostgreSQL; the
 * server hosting the DC state store (the oldest one, tagged {@code leader}) is killed with SIGKILL;
 * the survivors serve reads and writes again, keep every acknowledged write, drop the dead server
 * from the members API and from the catalog. The fail-over time is printed and written to
 * {@code target/failover.txt} (recorded in docs/benchmarks.md).
 */
class DcFailoverProcessTest {
  /** A DC name of this test only: its journal rows (persistence id {@code dc-store|procfo}) are its own. */
  private static final String DC = "procfo";
  private static final Duration READY = Duration.ofSeconds(90);
  /** Client timeout of each request while the store moves: shorter than the server's 10 s store timeout. */
  private static final Duration REQUEST = Duration.ofSeconds(3);
  private static final Duration STOP = Duration.ofSeconds(30);
  private static final int WRITES_BEFORE_KILL = 5;
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();

  @TempDir Path dir;
  private final List<Server> servers = new ArrayList<>();

  private record Server(String node, int http, int lan, MeshfedProcess process) {}

  /** The outcome of one request: a status and body, or the I/O error (a timeout, a refused connection). */
  private record Outcome(int status, String body, String error) {
    boolean ok() {
      return status == 200;
    }

    String describe() {
      return error != null ? error : status + " " + body;
    }
  }

  @AfterEach
  void stopEverything() throws IOException {
    // Whatever happened, no meshfed JVM outlives the test; their output is kept for a post-mortem.
    Path logs = Path.of("target", "dc-failover-logs");
    Files.createDirectories(logs);
    for (Server s : servers) {
      s.process().close();
      List<String> lines = new ArrayList<>();
      synchronized (s.process().stdout) {
        lines.addAll(s.process().stdout);
      }
      synchronized (s.process().stderr) {
        lines.addAll(s.process().stderr);
      }
      Files.write(logs.resolve(s.node() + ".log"), lines, StandardCharsets.UTF_8);
    }
  }

  @Test
  void survivorsServeReadsAndWritesAfterKill9OfTheStoreHost() throws Exception {
    TestPostgres postgres = TestPostgres.require("the DC fail-over test (its servers share a PostgreSQL journal)");
    // The journal may hold states of earlier runs (a database given by MESHFED_TEST_PG_URL): this
    // run's states have names of their own.
    String run = "r" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);

    List<Integer> ports = freePorts(12);
    List<String> seeds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      seeds.add("127.0.0.1:" + ports.get(i * 4 + 1));
    }
    for (int i = 0; i < 3; i++) {
      String node = "s" + (i + 1);
      int server = ports.get(i * 4);
      int lan = ports.get(i * 4 + 1);
      int http = ports.get(i * 4 + 2);
      int grpc = ports.get(i * 4 + 3);
      Path conf = dir.resolve(node + ".conf");
      Files.writeString(conf, """
          meshfed {
            datacenter = %s
            primary-datacenter = %s
            node-name = %s
            data-dir = %s
            bind-address = 127.0.0.1
            ports { server = %d, lan = %d, http = %d, grpc = %d }
            retry-join = [%s]
            bootstrap-expect = 3
            lan { failure-timeout = 2s }
            %s
          }
          """.formatted(DC, DC, node, ConfigUtil.quoteString(dir.resolve(node).toString()),
          server, lan, http, grpc,
          String.join(", ", seeds.stream().map(ConfigUtil::quoteString).toList()), postgres.persistenceConfig()));
      servers.add(new Server(node, http, lan, MeshfedProcess.start("server", "--config-file", conf.toString())));
    }
    // All three start at once: start order does not matter.
    for (Server s : servers) {
      assertThat(s.process().awaitReady(READY)).contains("node " + s.node()).contains("datacenter " + DC);
    }
    await("every server sees 3 alive members").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(() -> servers.stream().allMatch(s -> aliveMembers(s).size() == 3));

    // Writes through every server: the ones not hosting the store forward them inside the cluster.
    Set<String> acknowledged = Collections.synchronizedSet(new LinkedHashSet<>());
    for (int i = 0; i < WRITES_BEFORE_KILL; i++) {
      String name = run + "-before-" + i;
      Server via = servers.get(i % servers.size());
      // Right after the cluster formed the store may still be starting; an upsert may be repeated.
      await("write " + name + " through " + via.node()).atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> upsert(via, name, Duration.ofSeconds(10)).ok());
      acknowledged.add(name);
    }
    assertThat(datacenters(get(servers.get(0), "/v1/internal/federation-states", REQUEST))).containsAll(acknowledged);

    // Every server names the same store host.
    await("every server names the same leader").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> servers.stream().map(s -> leaderOf(s)).distinct().count() == 1);
    String hostNode = leaderOf(servers.get(0));
    Server host = servers.stream().filter(s -> s.node().equals(hostNode)).findFirst().orElseThrow();
    List<Server> survivors = servers.stream().filter(s -> s != host).toList();
    Server writer = survivors.get(0);
    Server other = survivors.get(1);

    // kill -9: no leave, no hand-over; the other servers only notice the silence.
    host.process().process.destroyForcibly();
    long killedAt = System.nanoTime();
    java.time.LocalTime killedAtClock = java.time.LocalTime.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    assertThat(host.process().process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(host.process().process.exitValue()).as("exit code of a SIGKILLed JVM").isEqualTo(137);

    AtomicLong firstWriteMs = new AtomicLong(-1);
    AtomicLong readsConsistentMs = new AtomicLong(-1);
    AtomicInteger attempt = new AtomicInteger();
    AtomicInteger failedRequests = new AtomicInteger();
    Set<String> failureKinds = Collections.synchronizedSet(new TreeSet<>());
    await("a survivor acknowledges a write and reads every acknowledged state")
        .atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          if (firstWriteMs.get() < 0) {
            String name = run + "-after-" + attempt.incrementAndGet();
            Outcome w = upsert(writer, name, REQUEST);
            if (w.ok()) {
              acknowledged.add(name);
              firstWriteMs.set(millisSince(killedAt));
            } else {
              failedRequests.incrementAndGet();
              failureKinds.add("write: " + kind(w));
            }
          }
          if (readsConsistentMs.get() < 0) {
            Set<String> expected;
            synchronized (acknowledged) {
              expected = new HashSet<>(acknowledged);
            }
            Outcome r = get(writer, "/v1/internal/federation-states", REQUEST);
            if (r.ok() && datacenters(r).containsAll(expected)) {
              readsConsistentMs.set(millisSince(killedAt));
            } else if (!r.ok()) {
              failedRequests.incrementAndGet();
              failureKinds.add("read: " + kind(r));
            }
          }
          return firstWriteMs.get() >= 0 && readsConsistentMs.get() >= 0;
        });
    String line = "DC fail-over after kill -9: " + firstWriteMs.get() + " ms (first acknowledged write), "
        + readsConsistentMs.get() + " ms (reads consistent)";
    System.out.println(line);
    // The wall-clock time of the kill lines the figures up with the servers' logs (target/dc-failover-logs).
    System.out.println("  store host " + host.node() + " killed at " + killedAtClock + ", requests through "
        + writer.node() + "; "
        + failedRequests.get() + " failed requests during fail-over: " + failureKinds);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "failover.txt"), line + "\n");

    // Both survivors write and read again, and see every write acknowledged before and after the kill.
    for (Server s : survivors) {
      String name = run + "-via-" + s.node();
      Outcome w = upsert(s, name, REQUEST);
      assertThat(w.ok()).as("write through %s: %s", s.node(), w.describe()).isTrue();
      acknowledged.add(name);
    }
    Outcome fromWriter = get(writer, "/v1/internal/federation-states", REQUEST);
    Outcome fromOther = get(other, "/v1/internal/federation-states", REQUEST);
    assertThat(fromWriter.ok()).as(fromWriter.describe()).isTrue();
    assertThat(datacenters(fromWriter)).containsAll(acknowledged);
    assertThat(fromOther.body()).as("both survivors read the same store").isEqualTo(fromWriter.body());
    Outcome one = get(other, "/v1/internal/federation-state/" + run + "-before-0", REQUEST);
    assertThat(one.status()).as(one.describe()).isEqualTo(200);

    // The dead server is no longer alive for either survivor: failed, then gone once it is downed.
    await("the survivors see " + host.node() + " as not alive").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
        .until(() -> survivors.stream().allMatch(s -> aliveMembers(s).equals(nodes(survivors))));
    // The new leader's member-reconcile routine deregisters the removed server from the catalog.
    await("the catalog lists exactly the 2 survivors, passing").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
        .until(() -> survivors.stream().allMatch(s -> passingServers(s).equals(nodes(survivors))));

    List<String> survivorLogs = new ArrayList<>();
    for (Server s : survivors) {
      synchronized (s.process().stderr) {
        survivorLogs.addAll(s.process().stderr);
      }
    }
    assertThat(survivorLogs).anyMatch(l -> l.contains("SBR took decision DownUnreachable"));
    assertThat(survivorLogs).anyMatch(l -> l.contains("leadership established: starting routines"));

    // SIGTERM: each survivor leaves the cluster, hands its singletons over and exits.
    for (Server s : survivors) {
      int exit = s.process().terminate(STOP);
      assertThat(exit).as("exit code of %s after SIGTERM", s.node()).isIn(0, 143);
    }
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  /** A failure reduced to its kind, for a short summary: a status line or an exception class. */
  private static String kind(Outcome o) {
    return o.error() != null ? o.error().replaceAll(":.*", "") : o.status() + " " + o.body();
  }

  private static Set<String> nodes(List<Server> servers) {
    Set<String> out = new TreeSet<>();
    servers.forEach(s -> out.add(s.node()));
    return out;
  }

  private static Set<String> aliveMembers(Server s) {
    Outcome r = get(s, "/v1/agent/members", REQUEST);
    if (!r.ok()) {
      throw new IllegalStateException("members from " + s.node() + ": " + r.describe());
    }
    Set<String> alive = new TreeSet<>();
    for (JsonNode m : tree(r.body())) {
      if (m.get("Status").asText().equals("alive")) {
        alive.add(m.get("Name").asText());
      }
    }
    return alive;
  }

  private static String leaderOf(Server s) {
    Outcome r = get(s, "/v1/agent/members", REQUEST);
    if (!r.ok()) {
      throw new IllegalStateException("members from " + s.node() + ": " + r.describe());
    }
    for (JsonNode m : tree(r.body())) {
      if (m.at("/Tags/leader").asText().equals("true")) {
        return m.get("Name").asText();
      }
    }
    throw new IllegalStateException("no member tagged leader in " + r.body());
  }

  /** The nodes of the catalog's {@code meshfed} service; an entry with a check not passing fails the match. */
  private static Set<String> passingServers(Server s) {
    Outcome r = get(s, "/v1/health/service/meshfed", REQUEST);
    if (!r.ok()) {
      throw new IllegalStateException("health from " + s.node() + ": " + r.describe());
    }
    Set<String> out = new TreeSet<>();
    for (JsonNode entry : tree(r.body())) {
      boolean passing = entry.get("Checks").size() > 0;
      for (JsonNode c : entry.get("Checks")) {
        passing &= c.get("Status").asText().equals("passing");
      }
      out.add(entry.at("/Node/Node").asText() + (passing ? "" : " (not passing)"));
    }
    return out;
  }

  private static Set<String> datacenters(Outcome r) {
    assertThat(r.ok()).as(r.describe()).isTrue();
    Set<String> out = new HashSet<>();
    for (JsonNode s : tree(r.body())) {
      out.add(s.get("Datacenter").asText());
    }
    return out;
  }

  private static JsonNode tree(String json) {
    try {
      return Json.mapper().readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Outcome upsert(Server s, String datacenter, Duration timeout) {
    String body = """
        {"Op":"upsert","State":{"Datacenter":"%s","MeshGateways":[
          {"Node":{"Node":"gw1.%s.example.com","Address":"10.0.2.1","Datacenter":"%s"},
           "Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Kind":"mesh-gateway","Port":8443,
                      "Meta":{"meshfed-wan-federation":"1"},
                      "TaggedAddresses":{"lan":{"Address":"10.0.2.1","Port":8443},"wan":{"Address":"198.51.100.2","Port":443}}},
           "Checks":[{"Node":"gw1.%s.example.com","CheckID":"alive","Name":"alive","Status":"passing","ServiceID":"mesh-gateway"}]}]}}
        """.formatted(datacenter, datacenter, datacenter, datacenter);
    return send(s, HttpRequest.newBuilder(uri(s, "/v1/internal/federation-state"))
        .PUT(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json"), timeout);
  }

  private static Outcome get(Server s, String path, Duration timeout) {
    return send(s, HttpRequest.newBuilder(uri(s, path)).GET(), timeout);
  }

  private static Outcome send(Server s, HttpRequest.Builder request, Duration timeout) {
    try {
      HttpResponse<String> r = HTTP.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
      return new Outcome(r.statusCode(), r.body(), null);
    } catch (IOException e) {
      return new Outcome(0, "", e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(0, "", "interrupted");
    }
  }

  private static URI uri(Server s, String path) {
    return URI.create("http://127.0.0.1:" + s.http() + path);
  }

  private static List<Integer> freePorts(int n) throws IOException {
    Set<Integer> ports = new LinkedHashSet<>();
    while (ports.size() < n) {
      ports.add(MeshfedProcess.freePort());
    }
    return List.copyOf(ports);
  }
}
