package io.meshfed.cli.command;

import io.meshfed.protocol.errors.Failures;
import com.fasterxml.jackson.core.type.TypeReference;
import io.meshfed.cli.demo.DemoCluster;
import io.meshfed.cli.demo.DemoDc;
import io.meshfed.cli.demo.DemoView;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.launch.ClassDataArchive;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.GoDuration;
import io.meshfed.protocol.model.Member;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code meshfed demo}: N datacenters as child processes on loopback, and a live view of their federation. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run a local multi-datacenter federation on loopback and watch it converge.",
        "Creates a CA, certificates and configuration in a temporary directory, then starts for each DC, as child "
            + "processes of this jar, one TLS server and one mesh gateway: dcN's server on 127.0.N.1, its gateway "
            + "on 127.0.N.2. dc1 is the primary, the others know only dc1's gateway. Each child's output goes to "
            + "dcN-server.log or dcN-gateway.log in that directory.",
        "Then it shows, every 2 s, per DC the WAN members and the federation states its server holds, with a "
            + "headline saying whether the federation has converged (clearing the screen only on a terminal).",
        "Ctrl-C (or SIGTERM) stops every child (SIGTERM, then kill -9 after 10 s) and removes the directory "
            + "unless --keep. Children also stop by themselves if this process is killed with -9.",
        "With --for, it stops by itself DURATION after it started, and fails if the federation has not "
            + "converged within --converge-timeout or DURATION, whichever is shorter.",
        "Exit status: 0 after --for, 1 if a process failed to start or (with --for) no convergence, "
            + "2 for a usage error, 130 after Ctrl-C, 143 after SIGTERM.",
        ""})
public final class DemoCommand implements Callable<Integer> {
  static final int MIN_DATACENTERS = 1;
  static final int MAX_DATACENTERS = 9;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration REFRESH = Duration.ofSeconds(2);
  private static final Duration CONVERGE_POLL = Duration.ofMillis(250);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(2);
  private static final TypeReference<List<Member>> MEMBERS = new TypeReference<>() {};
  private static final TypeReference<List<FederationState>> STATES = new TypeReference<>() {};

  @Spec
  private CommandSpec spec;

  private int datacenters = 3;

  @Option(names = "--datacenters", paramLabel = "N", defaultValue = "3",
      description = "Number of datacenters, " + MIN_DATACENTERS + " to " + MAX_DATACENTERS + " (default: ${DEFAULT-VALUE}).")
  void datacenters(int n) {
    if (n < MIN_DATACENTERS || n > MAX_DATACENTERS) {
      throw new ParameterException(spec.commandLine(),
          "--datacenters must be " + MIN_DATACENTERS + " to " + MAX_DATACENTERS + ", got " + n);
    }
    datacenters = n;
  }

  @Option(names = "--for", paramLabel = "DURATION",
      description = "Stop by itself this long after the start, e.g. 60s or 5m (default: run until Ctrl-C).")
  String runFor;

  @Option(names = "--converge-timeout", paramLabel = "DURATION", defaultValue = "120s",
      description = "With --for: exit 1 if not converged within this time after the start (default: ${DEFAULT-VALUE}). "
          + "Without --for the headline only warns.")
  String convergeTimeout;

  @Option(names = "--keep", description = "Keep the temporary directory (certificates, configuration, data, logs).")
  boolean keep;

  private volatile boolean stopping;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private DemoCluster cluster;
  private boolean cleanedUp;

  @Override
  public Integer call() throws Exception {
    Optional<Duration> bounded = runFor == null ? Optional.empty() : Optional.of(duration("--for", runFor));
    Duration convergeWithin = duration("--converge-timeout", convergeTimeout);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Optional<Path> jar = runningJar();
    if (jar.isEmpty()) {
      err.println("Error: meshfed demo starts its processes from the runnable jar and must run from it "
          + "(bin/meshfed demo, or java -jar cli/target/meshfed.jar demo)");
      return 1;
    }
    if (!ClassDataArchive.fresh(jar.get())) {
      out.print("meshfed demo: making the class-data archive for faster start-ups (once per build) ... ");
      out.flush();
      long t = System.nanoTime();
      try {
        ClassDataArchive.ensure(jar.get(), Path.of(System.getProperty("java.home"), "bin", "java"));
        out.println("done (" + seconds(t) + ")");
      } catch (IOException e) {
        out.println();
        err.println("meshfed demo: going on without it, start-ups will be slower: " + e.getMessage());
      }
      out.flush();
    }
    long started = System.nanoTime();
    cluster = DemoCluster.create(datacenters, jar.get());
    Thread hook = new Thread(() -> {
      stopping = true;
      stopRequested.countDown();
      cleanUp(out);
    }, "meshfed-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("meshfed demo: " + datacenters + " datacenter" + (datacenters == 1 ? "" : "s")
        + "; certificates, configuration, data and logs in " + cluster.dir());
    out.flush();
    int status;
    try {
      Map<String, Long> gatewayPids = startAll(out);
      if (gatewayPids == null) {
        return 1;
      }
      String stop = bounded.map(d -> "Stops by itself after " + d.toSeconds() + "s; Ctrl-C stops everything now.")
          .orElse("Ctrl-C stops everything.");
      String legend = DemoView.legend(cluster.dcs(), cluster.dir(), cluster.jar(), gatewayPids, stop);
      status = watch(out, err, legend, started, System.nanoTime(), bounded, convergeWithin);
    } finally {
      cleanUp(out);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or ran: it did (or waits for) the same clean-up
      }
    }
    return status;
  }

  /** Starts every server, then every gateway, printing a line per process; null (after saying why) if one fails. */
  private Map<String, Long> startAll(PrintWriter out) throws Exception {
    Map<String, DemoCluster.Child> servers = new LinkedHashMap<>();
    Map<String, DemoCluster.Child> gateways = new LinkedHashMap<>();
    Map<String, Long> gatewayPids = new LinkedHashMap<>();
    try {
      // All servers boot at once (secondaries retry the primary's gateway until it is there);
      // each DC's gateway starts as soon as its server is ready.
      for (DemoDc dc : cluster.dcs()) {
        servers.put(dc.name(), cluster.startServer(dc));
      }
      for (DemoDc dc : cluster.dcs()) {
        out.print("starting " + dc.name() + " server ... ");
        out.flush();
        DemoCluster.Child server = servers.get(dc.name());
        cluster.awaitReady(server, READY_TIMEOUT);
        out.println("ready (HTTP " + dc.httpAddress() + ", " + seconds(server.launchedNanos()) + " after its launch)");
        out.flush();
        gateways.put(dc.name(), cluster.startGateway(dc));
      }
      for (DemoDc dc : cluster.dcs()) {
        out.print("starting " + dc.name() + " gateway ... ");
        out.flush();
        DemoCluster.Child gateway = gateways.get(dc.name());
        cluster.awaitReady(gateway, READY_TIMEOUT);
        out.println("ready (" + dc.gatewayAddress() + ", registered as " + dc.gatewayName() + ", "
            + seconds(gateway.launchedNanos()) + " after its launch)");
        out.flush();
        gatewayPids.put(dc.name(), gateway.process().pid());
      }
      return gatewayPids;
    } catch (DemoCluster.StartFailure | IOException e) {
      if (stopping) {
        return null;
      }
      out.println();
      PrintWriter err = spec.commandLine().getErr();
      err.println("Error: " + e.getMessage());
      if (e instanceof DemoCluster.StartFailure) {
        String log = e.getMessage().substring(e.getMessage().lastIndexOf(' ') + 1);
        List<String> tail = DemoCluster.tail(Path.of(log), 20);
        if (!tail.isEmpty()) {
          err.println("last lines of " + log + ":");
          tail.forEach(l -> err.println("  " + l));
        }
      }
      err.flush();
      return null;
    }
  }

  private int watch(PrintWriter out, PrintWriter err, String legend, long started, long allReady,
      Optional<Duration> bounded, Duration convergeWithin) throws InterruptedException {
    boolean terminal = System.console() != null;
    if (!terminal) {
      out.println();
      out.print(legend);
    }
    long convergeDeadline = started + bounded.map(d -> d.compareTo(convergeWithin) < 0 ? d : convergeWithin)
        .orElse(convergeWithin).toNanos();
    Long convergedAt = null;
    HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
    while (!stopping) {
      List<DemoView.Snapshot> snapshots = snapshots(http);
      DemoView.Headline headline = DemoView.headline(snapshots);
      long now = System.nanoTime();
      // Until it converges, ask every CONVERGE_POLL so the time it reports is that close; show every REFRESH.
      long shown = now;
      while (!headline.converged() && !stopping && now - shown < REFRESH.toNanos() && now < convergeDeadline) {
        stopRequested.await(CONVERGE_POLL.toMillis(), TimeUnit.MILLISECONDS);
        snapshots = snapshots(http);
        headline = DemoView.headline(snapshots);
        now = System.nanoTime();
      }
      if (headline.converged() && convergedAt == null) {
        convergedAt = now;
      }
      String view = DemoView.render(snapshots, Instant.now(), Duration.ofNanos(now - started), ZoneId.systemDefault());
      StringBuilder block = new StringBuilder();
      if (terminal) {
        block.append("\033[H\033[2J").append(legend).append('\n');
      } else {
        block.append('\n');
      }
      block.append(view);
      if (convergedAt != null) {
        block.append(String.format("%n(first converged %.1fs after the start, %.1fs after the last process was ready)%n",
            (convergedAt - started) / 1e9, (convergedAt - allReady) / 1e9));
      } else if (now > convergeDeadline && bounded.isEmpty()) {
        block.append("\nstill not converged after ").append(convergeWithin.toSeconds())
            .append("s: see the logs in ").append(cluster.dir()).append('\n');
      }
      if (stopping) {
        break;
      }
      out.print(block);
      out.flush();
      if (bounded.isPresent()) {
        if (convergedAt == null && now > convergeDeadline) {
          err.println("Error: not converged within " + TimeUnit.NANOSECONDS.toSeconds(convergeDeadline - started)
              + "s: " + headline.text().replaceFirst("^not converged yet: ", ""));
          err.flush();
          return 1;
        }
        long end = started + bounded.get().toNanos();
        if (now >= end) {
          return 0;
        }
        stopRequested.await(Math.min(REFRESH.toNanos(), end - now), TimeUnit.NANOSECONDS);
      } else {
        stopRequested.await(REFRESH.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    return 0;
  }

  /** Asks every DC's server, all at once, for its WAN members and federation states. */
  private List<DemoView.Snapshot> snapshots(HttpClient http) {
    List<CompletableFuture<DemoView.Snapshot>> asks = new ArrayList<>();
    for (DemoDc dc : cluster.dcs()) {
      asks.add(ask(http, dc, "/v1/agent/members?wan=1", MEMBERS).thenCombine(
          ask(http, dc, "/v1/internal/federation-states", STATES),
          (m, s) -> new DemoView.Snapshot(dc, m.value(), m.error(), s.value(), s.error())));
    }
    return asks.stream().map(CompletableFuture::join).toList();
  }

  /** An API answer read as {@code T}, or why there is none. */
  private record Answer<T>(T value, String error) {}

  private static <T> CompletableFuture<Answer<T>> ask(HttpClient http, DemoDc dc, String path, TypeReference<T> type) {
    return get(http, dc, path).thenApply(body -> new Answer<T>(Json.read(body, type), null))
        .exceptionally(e -> new Answer<T>(null, reason(e)));
  }

  private static CompletableFuture<String> get(HttpClient http, DemoDc dc, String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + dc.httpAddress() + path))
        .timeout(HTTP_TIMEOUT).build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
      if (r.statusCode() != 200) {
        String body = r.body().lines().findFirst().orElse("").strip();
        throw new IllegalStateException("HTTP " + r.statusCode() + (body.isEmpty() ? "" : ": "
            + (body.length() > 120 ? body.substring(0, 117) + "..." : body)));
      }
      return r.body();
    });
  }

  private static String reason(Throwable e) {
    Throwable cause = Failures.unwrap(e);
    if (cause instanceof java.net.ConnectException) {
      return "connection refused";
    }
    if (cause instanceof java.net.http.HttpTimeoutException) {
      return "no answer within " + HTTP_TIMEOUT.toSeconds() + "s";
    }
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
  }

  /** Once: stops the children, says where the data was, removes it unless --keep. */
  private synchronized void cleanUp(PrintWriter out) {
    if (cleanedUp || cluster == null) {
      return;
    }
    cleanedUp = true;
    stopping = true;
    stopRequested.countDown();
    int count = cluster.children().size();
    out.println();
    out.println("meshfed demo: stopping " + count + " process" + (count == 1 ? "" : "es") + " ...");
    out.flush();
    try {
      int killed = cluster.stop(STOP_GRACE);
      out.println("meshfed demo: all stopped" + (killed == 0 ? "" : " (" + killed + " killed with -9 after "
          + STOP_GRACE.toSeconds() + "s)"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (keep) {
      out.println("meshfed demo: certificates, configuration, data and logs kept in " + cluster.dir());
    } else {
      try {
        cluster.deleteDir();
        out.println("meshfed demo: the data was in " + cluster.dir() + " (removed; --keep keeps it)");
      } catch (IOException e) {
        out.println("meshfed demo: the data is in " + cluster.dir() + " (could not remove it: " + e.getMessage() + ")");
      }
    }
    out.flush();
  }

  private Duration duration(String option, String value) {
    return GoDuration.parse(value).filter(d -> !d.isNegative() && !d.isZero())
        .orElseThrow(() -> new ParameterException(spec.commandLine(),
            option + " must be a positive duration such as 60s or 5m, got '" + value + "'"));
  }

  private static String seconds(long sinceNanos) {
    return String.format("%.1fs", (System.nanoTime() - sinceNanos) / 1e9);
  }

  /** The jar this class was loaded from, if it was loaded from a jar. */
  static Optional<Path> runningJar() {
    try {
      Path p = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? Optional.of(p) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
