package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.it.Federation.Dc;
import io.meshfed.it.Federation.Server;
import io.meshfed.protocol.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The previous release and this build in one federation, then a rolling upgrade of the primary with
 * calls going on the whole time (docs/upgrading.md).
 *
 * <p>(a) Mixed federation: the primary, 3 servers on one PostgreSQL journal and 2 gateways, all run
 * the previous release's jar ({@link PreviousRelease}); dc2, a server and a gateway, runs this build.
 * Both DCs see every WAN member alive, hold both federation states (dc2's reached the primary by this
 * build's anti-entropy, the primary's reached dc2 by replication), and a read forwarded each way works.
 *
 * <p>(b) Rolling upgrade of the primary, one server at a time, the leader last: SIGTERM (the server
 * leaves gracefully), start this build's jar on the same config and data dir, wait until it is up in
 * the DC's LAN cluster and every server sees every WAN member alive, then the next. Then each of the
 * two gateways the same way, one at a time (SIGTERM: deregister and drain). Meanwhile three clients
 * call without pause: reads of the primary's federation states through dc2 ({@code ?dc=}, forwarded
 * through the gateways), applies of test DCs' federation states on dc2 (forwarded to the primary),
 * and a local client of the primary that knows its three servers' HTTP addresses and alternates
 * reads and applies. The local client stands for a load balancer: it takes the server being
 * upgraded out of its rotation before the SIGTERM and back once the server is alive in the DC's LAN
 * cluster, as docs/upgrading.md tells operators to. It opens a fresh connection per call and picks
 * the next server when one refuses the connection: nothing was sent, so nothing can have happened,
 * and such a re-pick is counted, not failed. Every other outcome than 200 is a failed call, and
 * there must be none; every acknowledged apply must be readable afterwards in both DCs. A fourth
 * client reads from any of the three servers without draining. A server of this build that has
 * just started holds its calls until it is Up in the cluster (lan.rpc-hold-timeout), so none of
 * that client's reads may be turned away with "waiting for its DC to form"; its other failures are
 * printed, not asserted (a server that is stopping may reset a connection opened as it closes its
 * HTTP port).
 *
 * <p>(c) Afterwards the federation converges again and no server of the primary runs the old jar.
 *
 * <p>{@code -Dmeshfed.upgrade.runs=N} repeats it N times on fresh federations in one test JVM, and
 * prints a line per run with the clients' counts.
 */
class UpgradeProcessTest {
  /** A call's deadline: longer than the server's store timeout (10 s), so a slow answer is the server's. */
  private static final Duration CALL = Duration.ofSeconds(15);
  private static final Duration CALL_SPACING = Duration.ofMillis(100);
  private static final Duration STOP = Duration.ofSeconds(60);
  private static final Duration CLI = Duration.ofSeconds(60);
  /** A drain longer than a pooled connection's maximum age (20 s): the drain ends when they have moved. */
  private static final String[] GATEWAY_DRAIN = {"--drain-timeout", "30s"};

  /** {@code -Dmeshfed.upgrade.runs=N}: N runs, each on a fresh federation, in one test JVM (1 by default). */
  private static final int RUNS = Integer.getInteger("meshfed.upgrade.runs", 1);

  @TempDir Path dir;

  /** What the clients saw in the current run, by client. */
  private final Map<String, AtomicInteger> ok = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failed = new ConcurrentHashMap<>();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger repicked = new AtomicInteger();
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  /**
   * The servers a load balancer in front of the primary has taken out of its rotation: the one being
   * upgraded, from before its SIGTERM until it is alive in the DC's LAN cluster again.
   */
  private final Set<Server> drained = ConcurrentHashMap.newKeySet();
  /** Failures of the client that keeps every server in its rotation: printed; only a restart's 503 is asserted. */
  private final List<String> undrainedFailures = Collections.synchronizedList(new ArrayList<>());

  @Test
  void thePreviousReleaseFederatesAndThePrimaryUpgradesOneServerAtATimeWithoutAFailedCall() throws Exception {
    TestPostgres postgres = TestPostgres.require("the upgrade test (its primary shares a PostgreSQL journal)");
    PreviousRelease.Release previous = PreviousRelease.require("the upgrade test");
    List<String> summary = new ArrayList<>();
    for (int run = 1; run <= RUNS; run++) {
      ok.clear();
      failed.clear();
      failures.clear();
      repicked.set(0);
      acknowledged.clear();
      drained.clear();
      undrainedFailures.clear();
      Path runDir = java.nio.file.Files.createDirectories(dir.resolve("run-" + run));
      summary.add("run " + run + ": " + oneRun(postgres, previous, runDir));
    }
    System.out.println("upgrade: " + RUNS + " run(s) from " + previous.tag() + " to this build:\n  "
        + String.join("\n  ", summary));
  }

  /** One mixed federation and its rolling upgrade in {@code dir}; what the clients saw, in one line. */
  private String oneRun(TestPostgres postgres, PreviousRelease.Release previous, Path dir) throws Exception {
    long began = System.nanoTime();
    String p = Federation.uniqueDcName("up");
    try (Federation f = new Federation(dir, p)) {
      Dc dc1 = f.dc(p, 3, 2);
      Dc dc2 = f.dc("dc2", 1, 1);
      dc1.jar = previous.jar();
      f.startSharedJournalServers(dc1, postgres, "lan { failure-timeout = 2s }");
      // Each gateway watches a server of its own, so no single server's stop blinds both.
      List<String> gateways = List.of("gw1a", "gw1b");
      for (int i = 0; i < gateways.size(); i++) {
        dc1.startGateway(gateways.get(i), dc1.gatewayArgs(dc1.servers.get(i), gateways.get(i),
            dc1.gatewayPorts.get(i), GATEWAY_DRAIN), previous.jar());
      }
      f.startServers(dc2, "");
      f.startGateways(dc2);

      // (a) The previous release's primary and this build's secondary federate.
      Map<String, Set<String>> expected = Map.of(p, Set.of("gw1a", "gw1b"), "dc2", Set.of("gw2a"));
      f.awaitEveryWanMemberAlive();
      f.awaitFederationStates(expected);
      assertThat(dc2.server().federationStates("?dc=" + p)).as("dc2 reads the primary's states through the gateways")
          .isEqualTo(expected);
      for (Server s : dc1.servers) {
        assertThat(s.federationStates("?dc=dc2")).as(s.node + " reads dc2's states through the gateways")
            .isEqualTo(expected);
        assertThat(s.process.jar).isEqualTo(previous.jar());
      }
      System.out.printf("upgrade: %s (%s) primary and this build's dc2 federated %d ms after the start%n",
          previous.tag(), p, millisSince(began));
      // The checks before each step in docs/upgrading.md, by this build's CLI against a server of the previous release.
      operatorChecks(dc1.server(), f);

      // (b) The rolling upgrade, with the clients calling all the while.
      ScheduledExecutorService clients = Executors.newScheduledThreadPool(4);
      long upgradeBegan = System.nanoTime();
      int moves = 0;
      try {
        Server via = dc2.server();
        AtomicInteger seq = new AtomicInteger();
        clients.scheduleWithFixedDelay(() -> call("dc2-read", List.of(via), "GET", "/v1/internal/federation-states?dc="
            + p, null, p), 0, CALL_SPACING.toMillis(), TimeUnit.MILLISECONDS);
        clients.scheduleWithFixedDelay(() -> apply("dc2-apply", List.of(via), "t2-" + seq.incrementAndGet()), 0,
            CALL_SPACING.toMillis(), TimeUnit.MILLISECONDS);
        AtomicLong turn = new AtomicLong();
        clients.scheduleWithFixedDelay(() -> {
          long t = turn.incrementAndGet();
          List<Server> rotation = dc1.servers.stream().filter(x -> !drained.contains(x)).toList();
          if (t % 2 == 0) {
            call("dc1-read", rotation, "GET", "/v1/internal/federation-states", null, p);
          } else {
            apply("dc1-apply", rotation, "t1-" + t);
          }
        }, 0, CALL_SPACING.toMillis(), TimeUnit.MILLISECONDS);
        // What a client sees that keeps calling the server being upgraded (no load balancer drains it).
        clients.scheduleWithFixedDelay(() -> {
          Server s = dc1.servers.get((int) Math.floorMod(System.nanoTime(), (long) dc1.servers.size()));
          try {
            Answer a = exchange(s.host, s.http, "GET", "/v1/internal/federation-states", null);
            if (a.status() != 200) {
              undrainedFailures.add(java.time.LocalTime.now() + " " + s.node + " answered " + a.status() + " "
                  + a.body());
            }
          } catch (ConnectException refused) {
            // nothing was sent: the next call takes another server
          } catch (IOException | RuntimeException e) {
            undrainedFailures.add(java.time.LocalTime.now() + " " + s.node + ": " + e);
          }
        }, 0, CALL_SPACING.toMillis(), TimeUnit.MILLISECONDS);
        awaitCalls(20);

        // The leader last: the store and the leadership move once, to a server of this build.
        String leader = leaderOf(dc1);
        List<Server> order = new ArrayList<>(dc1.servers.stream().filter(s -> !s.node.equals(leader)).toList());
        order.add(dc1.servers.stream().filter(s -> s.node.equals(leader)).findFirst().orElseThrow());
        String current = leader;
        for (Server s : order) {
          long step = System.nanoTime();
          drained.add(s);
          int exit = s.process.terminate(STOP);
          assertThat(exit).as("exit code of %s after SIGTERM: %s", s.node, s.stderr()).isIn(0, 143);
          long stopped = System.nanoTime();
          f.restart(s, MeshfedProcess.JAR);
          awaitLanMembersAlive(dc1);
          f.awaitEveryWanMemberAlive();
          drained.remove(s);
          String now = leaderOf(dc1);
          if (!now.equals(current)) {
            moves++;
            current = now;
          }
          awaitCalls(10);
          System.out.printf("upgrade: %s stopped in %d ms, this build's up in the LAN and WAN %d ms later; leader %s;"
              + " calls so far %s%n", s.node, TimeUnit.NANOSECONDS.toMillis(stopped - step), millisSince(stopped), now,
              counts());
        }
        assertThat(moves).as("the leader (and the store with it) moved during the upgrade").isGreaterThanOrEqualTo(1);
        operatorChecks(dc1.server(), f);
        for (int i = 0; i < gateways.size(); i++) {
          long step = System.nanoTime();
          dc1.restartGateway(gateways.get(i), MeshfedProcess.JAR, STOP);
          f.awaitFederationStatesContain(expected);
          awaitCalls(10);
          System.out.printf("upgrade: %s replaced in %d ms; calls so far %s%n", gateways.get(i), millisSince(step),
              counts());
        }
      } finally {
        clients.shutdown();
        assertThat(clients.awaitTermination(CALL.toSeconds() * 2, TimeUnit.SECONDS)).isTrue();
      }
      System.out.printf("upgrade: rolling upgrade of %d servers and %d gateways in %d ms: calls %s, %d re-picked after"
          + " a refused connection, %d failed%s%n", dc1.servers.size(), gateways.size(), millisSince(upgradeBegan),
          counts(), repicked.get(), failures.size(), failures.isEmpty() ? "" : ": " + failures);
      System.out.printf("upgrade: a client that kept every server of %s in its rotation: %d reads failed%s%n", p,
          undrainedFailures.size(), undrainedFailures.isEmpty() ? "" : ": " + undrainedFailures);
      assertThat(failures).as("calls that failed during the rolling upgrade").isEmpty();
      assertThat(undrainedFailures).as("reads turned away by a server that had just restarted")
          .noneMatch(failure -> failure.contains("waiting for its DC to form"));

      // (c) This build throughout the primary; the federation converges; nothing acknowledged is lost.
      for (Server s : dc1.servers) {
        assertThat(s.process.process.isAlive()).isTrue();
        assertThat(s.process.jar).as(s.node + "'s jar").isEqualTo(MeshfedProcess.JAR);
      }
      for (String g : gateways) {
        assertThat(dc1.gateways.get(g).jar).as(g + "'s jar").isEqualTo(MeshfedProcess.JAR);
      }
      f.awaitEveryWanMemberAlive();
      Map<String, Set<String>> written = new TreeMap<>(expected);
      acknowledged.forEach(dc -> written.put(dc, Set.of()));
      f.awaitFederationStatesContain(written);
      assertThat(dc2.server().federationStates("?dc=" + p)).containsAllEntriesOf(written);
      for (Server s : dc1.servers) {
        assertThat(s.federationStates("?dc=dc2")).containsAllEntriesOf(written);
      }
      System.out.printf("upgrade: %d acknowledged applies readable in every server of both DCs; %d ms in all%n",
          acknowledged.size(), millisSince(began));
      assertThat(f.directConnections()).as("connections from a server to another DC's server").isEmpty();
      return "calls " + counts() + ", " + repicked.get() + " re-picked after a refused connection, " + failures.size()
          + " failed; without draining " + undrainedFailures.size() + " reads failed; " + acknowledged.size() + " acknowledged applies readable afterwards; federated in "
          + TimeUnit.NANOSECONDS.toSeconds(upgradeBegan - began) + " s, upgraded and checked in "
          + millisSince(upgradeBegan) / 1000 + " s";
    }
  }

  /**
   * docs/upgrading.md's checks between two steps, run as an operator would: {@code meshfed federation
   * status --dc} says each DC of the federation is healthy (once the federation's own view has
   * settled) and {@code meshfed members --wan} lists every server of every DC alive. Only the real
   * DCs are judged: the test DCs the clients apply states for have no servers, and are unreachable.
   */
  private static void operatorChecks(Server s, Federation f) throws Exception {
    String addr = s.host + ":" + s.http;
    for (Federation.Dc dc : f.dcs()) {
      Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        JsonNode d = Json.mapper().readTree(s.get("/v1/operator/federation?dc=" + dc.name)).get("Datacenters").get(0);
        assertThat(d.get("Verdict").asText()).as(dc.name + "'s verdict: " + d.get("Reasons")).isEqualTo("healthy");
      });
      MeshfedProcess.Result status = MeshfedProcess.run(CLI, "federation", "status", "--dc", dc.name, "--http-addr",
          addr);
      System.out.println("upgrade: meshfed federation status --dc " + dc.name + " (" + s.node + ", "
          + (MeshfedProcess.JAR.equals(s.process.jar) ? "this build" : "the previous release") + "):\n" + status.out());
      assertThat(status.exitCode()).as(status.stderr().toString()).isZero();
      assertThat(status.out()).containsPattern("(?m)^" + dc.name + " +healthy +");
    }
    MeshfedProcess.Result members = MeshfedProcess.run(CLI, "members", "--wan", "--http-addr", addr);
    System.out.println("upgrade: meshfed members --wan:\n" + members.out());
    assertThat(members.exitCode()).as(members.stderr().toString()).isZero();
    for (Federation.Dc dc : f.dcs()) {
      for (Server server : dc.servers) {
        assertThat(members.out()).containsPattern("(?m)^" + server.node + "\\." + dc.name + " .* alive ");
      }
    }
  }

  /** Waits until every client has made {@code n} more successful calls: the federation serves them. */
  private void awaitCalls(int n) {
    Map<String, Integer> from = new TreeMap<>();
    ok.forEach((k, v) -> from.put(k, v.get()));
    Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      for (String client : List.of("dc2-read", "dc2-apply", "dc1-read", "dc1-apply")) {
        int before = from.getOrDefault(client, 0);
        assertThat(ok.getOrDefault(client, new AtomicInteger()).get() - before).as(client + "'s calls").isGreaterThanOrEqualTo(n);
      }
    });
  }

  private String counts() {
    Map<String, String> out = new TreeMap<>();
    ok.forEach((k, v) -> out.put(k, v.get() + " ok/" + failed.getOrDefault(k, new AtomicInteger()).get() + " failed"));
    return out.toString();
  }

  private void apply(String client, List<Server> servers, String datacenter) {
    String body = "{\"Op\":\"upsert\",\"State\":{\"Datacenter\":\"" + datacenter + "\",\"MeshGateways\":[]}}";
    if (call(client, servers, "PUT", "/v1/internal/federation-state", body, null)) {
      acknowledged.add(datacenter);
    }
  }

  /**
   * One call through the first of {@code servers} that accepts a connection (the next one after a
   * refusal); success is a 200, whose body contains {@code expect} if given.
   */
  private boolean call(String client, List<Server> servers, String method, String path, String body, String expect) {
    String outcome;
    int start = (int) Math.floorMod(System.nanoTime(), (long) servers.size());
    for (int i = 0; i < servers.size(); i++) {
      Server s = servers.get((start + i) % servers.size());
      try {
        Answer a = exchange(s.host, s.http, method, path, body);
        if (a.status() == 200 && (expect == null || a.body().contains(expect))) {
          ok.computeIfAbsent(client, k -> new AtomicInteger()).incrementAndGet();
          return true;
        }
        outcome = s.node + " answered " + a.status() + " " + a.body();
      } catch (ConnectException refused) {
        // Nothing was sent: a client that knows several servers takes the next one.
        repicked.incrementAndGet();
        continue;
      } catch (IOException | RuntimeException e) {
        outcome = s.node + ": " + e;
      }
      fail(client, method + " " + path + ": " + outcome);
      return false;
    }
    fail(client, method + " " + path + ": every server refused the connection");
    return false;
  }

  private void fail(String client, String what) {
    failed.computeIfAbsent(client, k -> new AtomicInteger()).incrementAndGet();
    failures.add(java.time.LocalTime.now() + " " + client + ": " + what);
  }

  private record Answer(int status, String body) {}

  /**
   * One HTTP/1.1 exchange on a connection of its own ({@code Connection: close}): a refused connection
   * is a {@link ConnectException} and means nothing was sent, which a pooled connection that the
   * server closes at the moment of the request could not tell apart.
   */
  private static Answer exchange(String host, int port, String method, String path, String body) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) CALL.toMillis());
      socket.setSoTimeout((int) CALL.toMillis());
      byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n"
          + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + payload.length + "\r\n") + "\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      byte[] response = readAll(socket.getInputStream());
      String text = new String(response, StandardCharsets.UTF_8);
      int headEnd = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.1 ") || headEnd < 0) {
        throw new IOException("not an HTTP response (" + response.length + " bytes): " + text);
      }
      int status = Integer.parseInt(text.substring(9, 12));
      String headers = text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
      String rest = text.substring(headEnd + 4);
      return new Answer(status, headers.contains("transfer-encoding: chunked") ? unchunk(rest) : rest);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  private static String unchunk(String chunked) throws IOException {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (true) {
      int lineEnd = chunked.indexOf("\r\n", at);
      if (lineEnd < 0) {
        throw new IOException("truncated chunked body");
      }
      int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        return out.toString();
      }
      // Sizes count bytes; the bodies here are ASCII JSON.
      out.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }

  /** Waits until every running server of {@code dc} sees all of the DC's servers alive in its LAN cluster. */
  private static void awaitLanMembersAlive(Dc dc) throws Exception {
    Set<String> all = new TreeSet<>(dc.servers.stream().map(s -> s.node).toList());
    for (Server s : dc.servers) {
      Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
        Set<String> alive = new TreeSet<>();
        for (JsonNode m : Json.mapper().readTree(s.get("/v1/agent/members"))) {
          if (m.get("Status").asText().equals("alive")) {
            alive.add(m.get("Name").asText());
          }
        }
        assertThat(alive).as(s.node + "'s alive LAN members").isEqualTo(all);
      });
    }
  }

  /** The server tagged leader in {@code dc}, as its first running server sees it. */
  private static String leaderOf(Dc dc) throws Exception {
    Server s = dc.servers.stream().filter(x -> x.process.process.isAlive()).findFirst().orElseThrow();
    java.util.concurrent.atomic.AtomicReference<String> holder = new java.util.concurrent.atomic.AtomicReference<>();
    Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      for (JsonNode m : Json.mapper().readTree(s.get("/v1/agent/members"))) {
        if (m.at("/Tags/leader").asText().equals("true")) {
          holder.set(m.get("Name").asText());
          return;
        }
      }
      throw new AssertionError("no member tagged leader in " + s.node + "'s view");
    });
    return holder.get();
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
