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
 * Store fail-over with real processes, at the shipped LAN defaults: three real {@code meshfed server}
 * processes form a DC on PostgreSQL; two writers send federation-state upserts through the two servers
 * not hosting the DC state store; the server hosting it (the oldest one, tagged {@code leader}) is killed
 * with SIGKILL; the writers go on until 5 s after the first write acknowledged after the kill, then every
 * acknowledged write is read back from both survivors. {@code -Dmeshfed.failover.runs=N} repeats it with
 * a fresh DC each time (1 by default, so that the suite stays cheap); {@code -Dmeshfed.failover.lan="..."} adds
 * settings to the servers' {@code lan { }}. Each run prints its first
 * acknowledged write after the kill and the survivors' log timeline; the median and the maximum go to
 * {@code target/failover.txt} (recorded in docs/benchmarks.md).
 */
class DcFailoverProcessTest {
  private static final int RUNS = Integer.getInteger("meshfed.failover.runs", 1);
  /** Settings added to every server's {@code lan { }}, to measure others than the defaults ("crash-probe = false"). */
  private static final String LAN = System.getProperty("meshfed.failover.lan", "");
  private static final Duration READY = Duration.ofSeconds(90);
  /** Longer than the server's 10 s store timeout: what a writer waits for is the server's doing. */
  private static final Duration WRITE = Duration.ofSeconds(15);
  private static final Duration REQUEST = Duration.ofSeconds(5);
  private static final Duration STOP = Duration.ofSeconds(30);
  /** Each writer's pace: 2 writers at 20/s stay light on 2 cores beside 3 server JVMs. */
  private static final Duration WRITE_SPACING = Duration.ofMillis(50);
  private static final Duration WRITES_BEFORE_KILL = Duration.ofSeconds(5);
  private static final Duration WRITES_AFTER_FIRST_ACK = Duration.ofSeconds(5);
  /**
   * An answer that arrives this soon after the kill left the host before it died; the first answer
   * after it is the one that counts as serving again.
   */
  private static final long IN_FLIGHT_AT_KILL_MS = 100;
  /** What the survivors log on the way from the kill to a serving store, in order. */
  private static final List<String[]> TIMELINE = List.of(
      new String[] {"probe refused", "LAN port refuses connections"},
      new String[] {"unreachable", "as UNREACHABLE"},
      new String[] {"SBR down", "SBR took decision"},
      new String[] {"terminated", "as TERMINATED"},
      new String[] {"removed", "is removing"},
      new String[] {"store started", "starting singleton actor [pekko://meshfed/system/singletonManagerdc-store"},
      new String[] {"store identified", "Singleton identified at [pekko://meshfed/system/singletonManagerdc-store"});
  private static final java.time.format.DateTimeFormatter LOG_TIME =
      java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
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

  /** One write: its name, when it was sent and answered (nanoTime), and how. */
  private record Write(String name, long sentAt, long answeredAt, Outcome outcome) {}

  /** What one run measured. */
  private record Run(long firstAckMs, int acknowledged, String timeline) {}

  @AfterEach
  void stopEverything() throws IOException {
    stopAndKeepLogs(0);
  }

  /** No meshfed JVM outlives a run; their output is kept for a post-mortem (target/dc-failover-logs). */
  private void stopAndKeepLogs(int run) throws IOException {
    Path logs = Path.of("target", "dc-failover-logs", "run-" + run);
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
    servers.clear();
  }

  @Test
  void survivorsServeReadsAndWritesAfterKill9OfTheStoreHost() throws Exception {
    TestPostgres postgres = TestPostgres.require("the DC fail-over test (its servers share a PostgreSQL journal)");
    List<Run> runs = new ArrayList<>();
    for (int i = 1; i <= RUNS; i++) {
      runs.add(oneRun(postgres, i));
      stopAndKeepLogs(i);
    }
    List<Long> firstAcks = runs.stream().map(Run::firstAckMs).sorted().toList();
    long median = firstAcks.size() % 2 == 1 ? firstAcks.get(firstAcks.size() / 2)
        : (firstAcks.get(firstAcks.size() / 2 - 1) + firstAcks.get(firstAcks.size() / 2)) / 2;
    int checked = runs.stream().mapToInt(Run::acknowledged).sum();
    StringBuilder report = new StringBuilder();
    report.append("DC fail-over after kill -9, ").append(runs.size()).append(" run(s): first acknowledged write ")
        .append("median ").append(median).append(" ms, max ").append(firstAcks.get(firstAcks.size() - 1))
        .append(" ms; ").append(checked).append(" acknowledged writes read back from both survivors, 0 lost\n");
    for (int i = 0; i < runs.size(); i++) {
      Run r = runs.get(i);
      report.append("  run ").append(i + 1).append(": first ack ").append(r.firstAckMs()).append(" ms, ").append(r.acknowledged()).append(" acknowledged; ")
          .append(r.timeline()).append("\n");
    }
    System.out.print(report);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "failover.txt"), report.toString());
  }

  private Run oneRun(TestPostgres postgres, int runNumber) throws Exception {
    // A DC of this run only: its journal rows (persistence id dc-store|<dc>) are its own, whatever
    // earlier runs left in the database (one given by MESHFED_TEST_PG_URL).
    String run = "r" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
    String dc = "fo" + run;

    startDc(postgres, run, dc);

    // Every server names the same store host.
    await("every server names the same leader").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> servers.stream().map(s -> leaderOf(s)).distinct().count() == 1);
    String hostNode = leaderOf(servers.get(0));
    Server host = servers.stream().filter(s -> s.node().equals(hostNode)).findFirst().orElseThrow();
    List<Server> survivors = servers.stream().filter(s -> s != host).toList();
    Server writer = survivors.get(0);
    Server other = survivors.get(1);

    // Two writers, one through each survivor: each forwards to the store inside the cluster.
    List<Write> writes = Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.ScheduledExecutorService writers = java.util.concurrent.Executors.newScheduledThreadPool(2);
    try {
      for (int w = 0; w < survivors.size(); w++) {
        Server via = survivors.get(w);
        String prefix = run + "-" + via.node() + "-";
        AtomicInteger seq = new AtomicInteger();
        writers.scheduleWithFixedDelay(() -> {
          String name = prefix + seq.incrementAndGet();
          long sent = System.nanoTime();
          Outcome o = upsert(via, name, WRITE);
          writes.add(new Write(name, sent, System.nanoTime(), o));
        }, 0, WRITE_SPACING.toMillis(), TimeUnit.MILLISECONDS);
      }
      long writersStarted = System.nanoTime();
      await("writes for " + WRITES_BEFORE_KILL.toSeconds() + " s before the kill")
          .atMost(WRITES_BEFORE_KILL.plusSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> millisSince(writersStarted) >= WRITES_BEFORE_KILL.toMillis()
              && writes.stream().anyMatch(x -> x.outcome().ok()));

      // kill -9: no leave, no hand-over; the other servers only notice the silence.
      long killedAt = System.nanoTime();
      host.process().process.destroyForcibly();
      java.time.LocalTime killedAtClock = java.time.LocalTime.now();
      assertThat(host.process().process.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(host.process().process.exitValue()).as("exit code of a SIGKILLed JVM").isEqualTo(137);

      AtomicLong firstAckAt = new AtomicLong(-1);
      await("a survivor acknowledges a write after the kill").atMost(Duration.ofSeconds(90))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
          .until(() -> {
            firstAckAt.set(firstAckAfter(writes, killedAt));
            return firstAckAt.get() >= 0;
          });
      long firstAckMs = TimeUnit.NANOSECONDS.toMillis(firstAckAt.get() - killedAt);
      await("writes for " + WRITES_AFTER_FIRST_ACK.toSeconds() + " s after the first ack")
          .atMost(WRITES_AFTER_FIRST_ACK.plusSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> System.nanoTime() - firstAckAt.get() >= WRITES_AFTER_FIRST_ACK.toNanos());
      writers.shutdown();
      assertThat(writers.awaitTermination(WRITE.toSeconds() + 5, TimeUnit.SECONDS)).isTrue();

      Set<String> acknowledged = new TreeSet<>();
      Set<String> failureKinds = new TreeSet<>();
      int failed = 0;
      synchronized (writes) {
        for (Write x : writes) {
          if (x.outcome().ok()) {
            acknowledged.add(x.name());
          } else {
            failed++;
            failureKinds.add(kind(x.outcome()));
          }
        }
      }
      acknowledged.add(run + "-first");

      // Every acknowledged write, before and after the kill, is read back from both survivors.
      Outcome fromWriter = get(writer, "/v1/internal/federation-states", REQUEST);
      Outcome fromOther = get(other, "/v1/internal/federation-states", REQUEST);
      Set<String> lost = new TreeSet<>(acknowledged);
      lost.removeAll(datacenters(fromWriter));
      assertThat(lost).as("acknowledged writes missing after the fail-over (run %d)", runNumber).isEmpty();
      assertThat(fromOther.body()).as("both survivors read the same store").isEqualTo(fromWriter.body());
      Outcome one = get(other, "/v1/internal/federation-state/" + run + "-first", REQUEST);
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
      assertThat(survivorLogs).anyMatch(l -> l.contains("leadership established: starting routines"));
      String timeline = timeline(survivorLogs, killedAtClock);
      System.out.println("run " + runNumber + ": store host " + host.node() + " killed at "
          + killedAtClock.format(LOG_TIME) + "; first acknowledged write after " + firstAckMs + " ms; "
          + acknowledged.size() + " acknowledged writes read back from both survivors, " + failed
          + " failed " + failureKinds + "; " + timeline);

      // SIGTERM: each survivor leaves the cluster, hands its singletons over and exits.
      for (Server s : survivors) {
        int exit = s.process().terminate(STOP);
        assertThat(exit).as("exit code of %s after SIGTERM", s.node()).isIn(0, 143);
      }
      return new Run(firstAckMs, acknowledged.size(), timeline);
    } finally {
      writers.shutdownNow();
    }
  }

  /** Three servers of {@code dc} at the shipped LAN defaults, formed and with the store serving. */
  private void startDc(TestPostgres postgres, String run, String dc) throws Exception {
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
      Path conf = dir.resolve(run + "-" + node + ".conf");
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
            lan { %s }
            %s
          }
          """.formatted(dc, dc, node, ConfigUtil.quoteString(dir.resolve(run + "-" + node).toString()),
          server, lan, http, grpc, String.join(", ", seeds.stream().map(ConfigUtil::quoteString).toList()), LAN,
          postgres.persistenceConfig()));
      servers.add(new Server(node, http, lan, MeshfedProcess.start("server", "--config-file", conf.toString())));
    }
    // All three start at once: start order does not matter.
    for (Server s : servers) {
      assertThat(s.process().awaitReady(READY)).contains("node " + s.node()).contains("datacenter " + dc);
    }
    await("every server sees 3 alive members").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(() -> servers.stream().allMatch(s -> aliveMembers(s).size() == 3));
    // Right after the cluster formed the store may still be starting; an upsert may be repeated.
    await("a first write").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> upsert(servers.get(0), run + "-first", REQUEST).ok());
  }

  /**
   * No false move: the store host stopped (SIGSTOP) for less than the failure timeout, as in a long
   * GC pause, keeps the store; the crash probe does not take the pause for a crash (the stopped JVM's
   * kernel still accepts connections). {@code -Dmeshfed.failover.pause} sets the pause (3 s).
   */
  @Test
  void aStoreHostPausedForLessThanTheFailureTimeoutKeepsTheStore() throws Exception {
    TestPostgres postgres = TestPostgres.require("the DC fail-over test (its servers share a PostgreSQL journal)");
    Duration pause = Duration.ofMillis(com.typesafe.config.ConfigFactory.parseString(
        "p = " + System.getProperty("meshfed.failover.pause", "3s")).getDuration("p").toMillis());
    String run = "p" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
    startDc(postgres, run, "fo" + run);
    await("every server names the same leader").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> servers.stream().map(s -> leaderOf(s)).distinct().count() == 1);
    String hostNode = leaderOf(servers.get(0));
    Server host = servers.stream().filter(s -> s.node().equals(hostNode)).findFirst().orElseThrow();
    List<Server> others = servers.stream().filter(s -> s != host).toList();
    int[] logSizes = others.stream().mapToInt(s -> s.process().stderr.size()).toArray();

    host.process().pause();
    long stoppedAt = System.nanoTime();
    // The pause is the point of the test: nothing to wait for but the clock.
    await("the pause").atMost(pause.plusSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> System.nanoTime() - stoppedAt >= pause.toNanos());
    host.process().resume();
    // A write through a survivor is served by the same store, and the host is still the leader.
    await("a write after the pause").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> upsert(others.get(0), run + "-after", REQUEST).ok());
    // Long enough for a move the pause might have set off to show: failure timeout, stable-after, margin.
    long settleFrom = System.nanoTime();
    await("settling").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> System.nanoTime() - settleFrom >= Duration.ofSeconds(13).toNanos());
    assertThat(servers.stream().map(s -> leaderOf(s)).distinct().toList()).containsExactly(hostNode);
    List<String> after = new ArrayList<>();
    for (int i = 0; i < others.size(); i++) {
      List<String> lines = others.get(i).process().stderr;
      synchronized (lines) {
        after.addAll(lines.subList(logSizes[i], lines.size()));
      }
    }
    System.out.println("store host " + hostNode + " stopped for " + pause.toMillis() + " ms: "
        + after.stream().filter(l -> l.contains("as UNREACHABLE")).count() + " unreachable, "
        + after.stream().filter(l -> l.contains("LAN port refuses connections")).count() + " probe downs, "
        + after.stream().filter(l -> l.contains("starting singleton actor")).count() + " singletons started");
    assertThat(after).noneMatch(l -> l.contains("LAN port refuses connections"))
        .noneMatch(l -> l.contains("starting singleton actor"))
        .noneMatch(l -> l.contains("SBR took decision"));
    for (Server s : servers) {
      int exit = s.process().terminate(STOP);
      assertThat(exit).as("exit code of %s after SIGTERM", s.node()).isIn(0, 143);
    }
  }

  /**
   * No false move on a busy machine: a DC of three servers is watched for {@code
   * -Dmeshfed.failover.watch} (off by default: bench/false-moves.sh runs it beside a whole
   * {@code bin/test}) while nothing is done to it; every 500 ms, every server must name the same store
   * host as at the start. Afterwards no server may have logged a crash-probe down, a split-brain
   * decision or a singleton start. A member seen unreachable for a moment (a late heartbeat) is no
   * move, and is only counted. Prints what it saw.
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "meshfed.failover.watch", matches = ".+")
  void aDcLeftAloneOnABusyMachineMovesNothing() throws Exception {
    TestPostgres postgres = TestPostgres.require("the DC fail-over test (its servers share a PostgreSQL journal)");
    Duration watch = Duration.ofMillis(com.typesafe.config.ConfigFactory.parseString(
        "w = " + System.getProperty("meshfed.failover.watch")).getDuration("w").toMillis());
    String run = "w" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
    startDc(postgres, run, "fo" + run);
    await("every server names the same leader").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> servers.stream().map(s -> leaderOf(s)).distinct().count() == 1);
    String hostNode = leaderOf(servers.get(0));
    int[] logSizes = servers.stream().mapToInt(s -> s.process().stderr.size()).toArray();
    long from = System.nanoTime();
    AtomicInteger checks = new AtomicInteger();
    await("the watch").atMost(watch.plusMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() -> {
      for (Server s : servers) {
        assertThat(leaderOf(s)).as("the store host named by %s after %d s", s.node(), millisSince(from) / 1000)
            .isEqualTo(hostNode);
      }
      checks.incrementAndGet();
      return System.nanoTime() - from >= watch.toNanos();
    });
    List<String> after = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      List<String> lines = servers.get(i).process().stderr;
      synchronized (lines) {
        after.addAll(lines.subList(logSizes[i], lines.size()));
      }
    }
    String[][] signs = {{"unreachable", "as UNREACHABLE"}, {"probe downs", "LAN port refuses connections"},
        {"SBR decisions", "SBR took decision"}, {"singleton starts", "starting singleton actor"}};
    List<String> counts = new ArrayList<>();
    for (String[] sign : signs) {
      counts.add(after.stream().filter(l -> l.contains(sign[1])).count() + " " + sign[0]);
    }
    System.out.println("DC of 3 servers left alone for " + watch.toSeconds() + " s (" + checks.get()
        + " checks of every server): store host " + hostNode + " throughout; " + String.join(", ", counts));
    for (String[] sign : List.of(signs).subList(1, signs.length)) {
      assertThat(after).as(sign[0]).noneMatch(l -> l.contains(sign[1]));
    }
  }

  /** When the first write answered 200 after the kill (nanoTime), or -1; answers that left the host before it died do not count. */
  private static long firstAckAfter(List<Write> writes, long killedAt) {
    long threshold = killedAt + TimeUnit.MILLISECONDS.toNanos(IN_FLIGHT_AT_KILL_MS);
    synchronized (writes) {
      return writes.stream().filter(w -> w.outcome().ok() && w.answeredAt() >= threshold)
          .mapToLong(Write::answeredAt).min().orElse(-1);
    }
  }

  /** The first log line of each {@link #TIMELINE} step after the kill, as milliseconds after it. */
  private static String timeline(List<String> logs, java.time.LocalTime killedAt) {
    List<String> parts = new ArrayList<>();
    for (String[] step : TIMELINE) {
      long first = Long.MAX_VALUE;
      for (String line : logs) {
        if (line.length() < 12 || !line.contains(step[1])) {
          continue;
        }
        try {
          java.time.LocalTime at = java.time.LocalTime.parse(line.substring(0, 12), LOG_TIME);
          long ms = Duration.between(killedAt, at).toMillis();
          if (ms >= 0) {
            first = Math.min(first, ms);
          }
        } catch (java.time.format.DateTimeParseException e) {
          // Not a log line of the server's own format (a stack trace line): no time to take.
        }
      }
      if (first != Long.MAX_VALUE) {
        parts.add(step[0] + " +" + first + " ms");
      }
    }
    return "timeline: " + String.join(", ", parts);
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
    // No gateways: hundreds of these per run stay far below the store's 512 KiB of federation states.
    String body = """
        {"Op":"upsert","State":{"Datacenter":"%s","MeshGateways":[]}}
        """.formatted(datacenter);
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
