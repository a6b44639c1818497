package io.meshfed.cli.demo;

import io.meshfed.cli.launch.ClassDataArchive;
import io.meshfed.cli.launch.JvmDefaults;
import io.meshfed.transport.tls.CertificateTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The processes of {@code meshfed demo}: a temporary directory with a CA, one certificate and one
 * configuration file per server, and per DC a server and a gateway started as child JVMs of the
 * same jar. Children get {@code --parent-pid} of this JVM, so they stop if it dies, even by kill -9.
 */
public final class DemoCluster {
  /**
   * WAN and federation-state timings for a federation on one machine (the demo, and the process
   * tests): failures show within seconds instead of the WAN defaults' minute.
   */
  public static final String FAST_TIMINGS = """
      primary-gateways-interval = 1s
      retry-interval-wan = 1s
      wan {
        probe-interval = 1s, probe-timeout = 500ms, gossip-interval = 200ms
        push-pull-interval = 10s, reconnect-interval = 5s, gossip-to-the-dead-time = 10s
      }
      federation-states { gateway-probe-interval = 2s, gateway-probe-timeout = 1s }
      """;
  private static final Duration VALIDITY = Duration.ofDays(7);
  private static final String DOMAIN = "meshfed";
  /** The children start with what bin/meshfed gives a server or gateway. */
  private static final JvmDefaults DEFAULTS = JvmDefaults.load();

  /** A child process and the file its output goes to. */
  /** A started process; {@code launchedNanos} is {@link System#nanoTime()} at its launch. */
  public record Child(String label, Process process, Path log, long launchedNanos) {}

  /** A child that failed to start; the message names it, its log and how it ended. */
  public static final class StartFailure extends Exception {
    public StartFailure(String message) {
      super(message);
    }
  }

  private final Path dir;
  private final Path jar;
  private final List<DemoDc> dcs;
  private final CertificateTool.Issued ca;
  private final List<Child> children = new ArrayList<>();
  private boolean stopped;

  private DemoCluster(Path dir, Path jar, List<DemoDc> dcs, CertificateTool.Issued ca) {
    this.dir = dir;
    this.jar = jar;
    this.dcs = List.copyOf(dcs);
    this.ca = ca;
  }

  /** Creates the directory, the CA and N DCs' addresses with free ports; starts nothing yet. */
  public static DemoCluster create(int datacenters, Path jar) throws IOException {
    Path dir = Files.createTempDirectory("meshfed-demo-");
    CertificateTool.Issued ca = CertificateTool.createCa(DOMAIN, VALIDITY);
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    List<DemoDc> dcs = new ArrayList<>();
    for (int n = 1; n <= datacenters; n++) {
      String server = "127.0." + n + ".1";
      String gateway = "127.0." + n + ".2";
      dcs.add(new DemoDc(n, freePort(server), freePort(server), freePort(server), freePort(server),
          freePort(gateway), freePort(gateway)));
    }
    return new DemoCluster(dir, jar, dcs, ca);
  }

  public Path dir() {
    return dir;
  }

  public Path jar() {
    return jar;
  }

  public List<DemoDc> dcs() {
    return dcs;
  }

  public synchronized List<Child> children() {
    return List.copyOf(children);
  }

  /** Starts DC {@code dc}'s server; secondaries know only dc1's gateway ({@code primary-gateways}). */
  public Child startServer(DemoDc dc) throws IOException {
    return start(dc.name() + " server", "server", "--config-file", serverConfig(dc).toString());
  }

  /** Starts DC {@code dc}'s gateway, registered in its catalog and exposing its server to the other DCs. */
  public Child startGateway(DemoDc dc) throws IOException {
    String address = dc.gatewayAddress();
    return start(dc.name() + " gateway", "gateway", "--datacenter", dc.name(), "--listen", address,
        "--lan-address", address, "--wan-address", address, "--admin-port", Integer.toString(dc.admin()),
        "--server-addr", dc.grpcAddress(), "--register", "--expose-servers", "--name", dc.gatewayName());
  }

  /**
   * Waits until the child prints its ready line ({@code meshfed server ready:} or {@code meshfed
   * gateway ready:}) and returns it.
   */
  public String awaitReady(Child child, Duration timeout) throws StartFailure, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> ready = lines(child.log()).stream().filter(l -> l.startsWith("meshfed server ready:")
          || l.startsWith("meshfed gateway ready:")).findFirst();
      if (ready.isPresent()) {
        return ready.get();
      }
      if (!child.process().isAlive()) {
        throw new StartFailure(child.label() + " exited with status " + child.process().exitValue()
            + " before it was ready; its log: " + child.log());
      }
      if (System.nanoTime() > deadline) {
        throw new StartFailure(child.label() + " not ready within " + timeout.toSeconds() + "s; its log: "
            + child.log());
      }
      child.process().waitFor(100, TimeUnit.MILLISECONDS);
    }
  }

  /** The last {@code n} lines of a log. */
  public static List<String> tail(Path log, int n) {
    List<String> all = lines(log);
    return all.subList(Math.max(0, all.size() - n), all.size());
  }

  /**
   * Stops every child: SIGTERM to all, up to {@code grace} for them to exit, then SIGKILL to those
   * left. Later starts are refused. Returns how many had to be killed.
   */
  public int stop(Duration grace) throws InterruptedException {
    List<Child> all;
    synchronized (this) {
      stopped = true;
      all = List.copyOf(children);
    }
    all.forEach(c -> c.process().destroy());
    long deadline = System.nanoTime() + grace.toNanos();
    for (Child c : all) {
      c.process().waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    int killed = 0;
    for (Child c : all) {
      if (c.process().isAlive()) {
        killed++;
        c.process().destroyForcibly();
      }
    }
    for (Child c : all) {
      c.process().waitFor(10, TimeUnit.SECONDS);
    }
    return killed;
  }

  /** Removes the directory and everything in it. */
  public void deleteDir() throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private Child start(String label, String... args) throws IOException {
    JvmDefaults.Kind kind = JvmDefaults.Kind.ofSubcommand(args[0]);
    if (kind == null) {
      throw new IllegalArgumentException("the demo starts servers and gateways, not '" + args[0] + "'");
    }
    List<String> cmd = new ArrayList<>(List.of(javaBin()));
    cmd.addAll(DEFAULTS.jvmOptions(kind));
    cmd.addAll(ClassDataArchive.jvmOptions(jar));
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--parent-pid", Long.toString(ProcessHandle.current().pid())));
    Path log = dir.resolve(label.replace(' ', '-') + ".log");
    ProcessBuilder builder = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
    DEFAULTS.applyEnvironment(kind, builder.environment());
    synchronized (this) {
      if (stopped) {
        throw new IOException("the demo is stopping");
      }
      long launched = System.nanoTime();
      Child child = new Child(label, builder.start(), log, launched);
      children.add(child);
      return child;
    }
  }

  private Path serverConfig(DemoDc dc) throws IOException {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, dc.name(), dc.node(), DOMAIN, VALIDITY);
    Path certFile = Files.writeString(dir.resolve(dc.node() + ".pem"), cert.certificatePem());
    Path keyFile = Files.writeString(dir.resolve(dc.node() + "-key.pem"), cert.privateKeyPem());
    DemoDc primary = dcs.get(0);
    String primaryGateways = dc.primary() ? "" : "primary-gateways = [\"" + primary.gatewayAddress() + "\"]";
    return Files.writeString(dir.resolve(dc.name() + ".conf"), """
        meshfed {
          datacenter = %s, primary-datacenter = dc1, node-name = %s, data-dir = "%s"
          bind-address = "%s"
          ports { http = %d, grpc = %d, server = %d, lan = %d }
          tls { ca-file = "%s", cert-file = "%s", key-file = "%s" }
          connect { enabled = true, enable-mesh-gateway-wan-federation = true }
          %s
          %s
        }
        """.formatted(dc.name(), dc.node(), dir.resolve("data-" + dc.name()), dc.serverHost(), dc.http(), dc.grpc(),
        dc.serverPort(), dc.lan(), dir.resolve("ca.pem"), certFile, keyFile, primaryGateways, FAST_TIMINGS));
  }

  private static List<String> lines(Path log) {
    try {
      return new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static java.io.File nullDevice() {
    return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }
}
