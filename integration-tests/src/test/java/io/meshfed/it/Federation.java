package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigUtil;
import io.meshfed.cli.command.ColocateCommand;
import io.meshfed.protocol.model.Json;
import io.meshfed.transport.tls.CertificateTool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.net.InetSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.stream.Stream;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;

/**
 * A federation of real {@code meshfed} processes for tests: DCs of TLS servers and mesh gateways,
 * DC n on its own loopback addresses (servers 127.0.n.10+, gateways 127.0.n.2), secondaries given
 * only the primary's gateways. It also samples every server's TCP connections, so a test can show
 * that no server ever connected to another DC's server directly. Closing it kills every process.
 */
final class Federation implements AutoCloseable {
  static final Duration READY = Duration.ofSeconds(90);
  static final Duration CONVERGE = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * Extra flags of a gateway a test stops to make it disappear: it stops at once, as gateways did
   * before they drained (docs/gateway.md), so the test's timings do not include up to 30 s of drain.
   */
  static final String[] STOP_AT_ONCE = {"--drain-timeout", "0s"};

  /** The demo's timings: failures show within seconds, not minutes. */
  private static final String FAST_TIMINGS = io.meshfed.cli.demo.DemoCluster.FAST_TIMINGS;
  /** The timing settings of every server's config; empty: the shipped defaults. Set before the servers start. */
  String timings = FAST_TIMINGS;

  private final Path dir;
  private final CertificateTool.Issued ca;
  private final String primary;
  private final List<Dc> dcs = new ArrayList<>();
  private final List<MeshfedProcess> processes = new ArrayList<>();
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
  private final Set<String> direct = ConcurrentHashMap.newKeySet();
  private final Set<String> throughGateways = ConcurrentHashMap.newKeySet();
  /** The ACL token the helpers' reads present (null: none, for federations without ACLs). */
  volatile String token;
  /**
   * Gateways watch their server at its gRPC TLS port with a client certificate of their own, which
   * the servers require; set before the servers start.
   */
  boolean gatewaysOverTls;
  /** With conditions set before the DCs are declared, every gateway's WAN address is a {@link WanLink}. */
  WanLink.Conditions wanConditions;
  /** Seeds the links' jitter (each link adds its gateway port). */
  long wanSeed = 1;
  /** The WAN links, by the port of the gateway they stand in front of. */
  final Map<Integer, WanLink> wanLinks = new ConcurrentHashMap<>();

  /** One server: its addresses, its config file, and its process once started. */
  final class Server {
    final Dc dc;
    final String node;
    final String host;
    final int http = freePort();
    final int grpc = freePort();
    final int serverPort = freePort();
    final int lan = freePort();
    final int grpcTls = freePort();
    Path config;
    MeshfedProcess process;
    /** The runnable jar it starts from (and runs, once started); null: the dc's, {@link Dc#jar}. */
    Path jar;

    Server(Dc dc, String node, String host) {
      this.dc = dc;
      this.node = node;
      this.host = host;
    }

    String lanAddress() {
      return host + ":" + lan;
    }

    /** A GET that must answer 200; its body. */
    String get(String path) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + http + path))
          .timeout(Duration.ofSeconds(10));
      if (token != null) {
        request.header("X-Meshfed-Token", token);
      }
      HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError(node + "." + dc.name + " " + path + ": " + r.statusCode() + " " + r.body());
      }
      return r.body();
    }

    /** Member name → Serf status, from {@code GET /v1/agent/members?wan=1}. */
    Map<String, String> wanMembers() throws Exception {
      Map<String, String> out = new TreeMap<>();
      for (JsonNode m : Json.mapper().readTree(get("/v1/agent/members?wan=1"))) {
        out.put(m.get("Name").asText(), m.get("Status").asText());
      }
      return out;
    }

    /** How many WAN members this server suspects right now, from its metrics. */
    long suspects() throws Exception {
      return get("/v1/agent/metrics").lines().filter(l -> l.startsWith("meshfed_wan_members_suspect "))
          .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1))).findFirst()
          .orElseThrow(() -> new AssertionError(node + "'s metrics lack meshfed_wan_members_suspect"));
    }

    /** DC → its gateways' node names, from this server's store (or {@code ?dc=} another DC's). */
    Map<String, Set<String>> federationStates(String query) throws Exception {
      Map<String, Set<String>> held = new TreeMap<>();
      for (JsonNode state : Json.mapper().readTree(get("/v1/internal/federation-states" + query))) {
        Set<String> names = new TreeSet<>();
        state.get("MeshGateways").forEach(g -> names.add(g.at("/Node/Node").asText()));
        held.put(state.get("Datacenter").asText(), names);
      }
      return held;
    }

    Map<String, Set<String>> federationStates() throws Exception {
      return federationStates("");
    }

    String stderr() {
      return process.stderrText();
    }
  }

  /** One DC: its servers and the gateways started in it. */
  final class Dc {
    final int n;
    final String name;
    final List<Server> servers = new ArrayList<>();
    /** Ports of the gateways this DC starts with; the primary's are every secondary's primary-gateways. */
    final List<Integer> gatewayPorts = new ArrayList<>();
    final Map<String, MeshfedProcess> gateways = new TreeMap<>();
    /** How this DC's processes are launched: as they are, or inside a {@link NetworkCut}. */
    UnaryOperator<List<String>> launcher = UnaryOperator.identity();
    /** The runnable jar its servers and gateways start from: this build's ({@link MeshfedProcess#JAR}) or another release's. */
    Path jar = MeshfedProcess.JAR;
    /** Each started gateway's command line, so that it can be started again from another jar. */
    final Map<String, List<String>> gatewayCommands = new TreeMap<>();

    Dc(int n, String name) {
      this.n = n;
      this.name = name;
    }

    /** Every address of this DC, as CIDR. */
    String network() {
      return "127.0." + n + ".0/24";
    }

    String gatewayHost() {
      return "127.0." + n + ".2";
    }

    String gateway(int port) {
      return gatewayHost() + ":" + port;
    }

    /**
     * Where other DCs reach the gateway on {@code port}: with {@link #wanConditions} a {@link WanLink}
     * in front of it (on 127.0.n.3), made on first use; otherwise the gateway itself.
     */
    String wanAddress(int port) {
      if (wanConditions == null) {
        return gateway(port);
      }
      return wanLinks.computeIfAbsent(port, p -> {
        try {
          return new WanLink(new InetSocketAddress("127.0." + n + ".3", 0), new InetSocketAddress(gatewayHost(), p),
              wanConditions, wanSeed + p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).address();
    }

    Server server() {
      return servers.get(0);
    }

    /** Starts a gateway registered in this DC and exposing its servers; waits for its ready line. */
    MeshfedProcess startGateway(String gatewayName, int port, String... extraArgs) throws Exception {
      Server local = servers.stream().filter(s -> s.process != null && s.process.process.isAlive()).findFirst()
          .orElseThrow();
      return startGateway(gatewayName, gatewayArgs(local, gatewayName, port, extraArgs), jar);
    }

    /** Starts gateway {@code gatewayName} with this command line from {@code gatewayJar}; waits for its ready line. */
    MeshfedProcess startGateway(String gatewayName, List<String> args, Path gatewayJar) throws Exception {
      MeshfedProcess gw = start(gatewayJar, launcher, args.toArray(String[]::new));
      gw.awaitReady(READY);
      gateways.put(gatewayName, gw);
      gatewayCommands.put(gatewayName, List.copyOf(args));
      return gw;
    }

    /**
     * Stops gateway {@code gatewayName} with SIGTERM (it deregisters and drains, as configured) and
     * starts it again on the same command line (addresses, name, admin port) from {@code newJar}.
     */
    MeshfedProcess restartGateway(String gatewayName, Path newJar, Duration stop) throws Exception {
      MeshfedProcess old = gateways.get(gatewayName);
      int exit = old.terminate(stop);
      if (exit != 0 && exit != 143) {
        throw new AssertionError("gateway " + gatewayName + " exited with " + exit + " after SIGTERM: "
            + old.stderrText());
      }
      return startGateway(gatewayName, gatewayCommands.get(gatewayName), newJar);
    }

    /** The command line of gateway {@code gatewayName} on {@code port}, watching server {@code local}. */
    List<String> gatewayArgs(Server local, String gatewayName, int port, String... extraArgs) throws Exception {
      String address = gateway(port);
      List<String> args = new ArrayList<>(List.of("gateway", "--datacenter", name, "--listen", address,
          "--lan-address", address, "--wan-address", wanAddress(port), "--admin-port", Integer.toString(freePort()),
          "--register", "--expose-servers", "--name", gatewayName));
      if (gatewaysOverTls) {
        reissueGateway(gatewayName, ca);
        args.addAll(List.of("--server-addr", "https://" + local.host + ":" + local.grpcTls, "--ca-file",
            dir.resolve("ca.pem").toString(), "--client-cert", dir.resolve(gatewayName + ".pem").toString(),
            "--client-key", dir.resolve(gatewayName + "-key.pem").toString()));
      } else {
        args.addAll(List.of("--server-addr", local.host + ":" + local.grpc));
      }
      args.addAll(List.of(extraArgs));
      return args;
    }
  }

  Federation(Path dir, String primary) throws Exception {
    this.dir = dir;
    this.primary = primary;
    this.ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
  }

  /** Declares a DC with {@code servers} servers and {@code gateways} gateway ports; the first is the primary. */
  Dc dc(String name, int servers, int gateways) {
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < servers; i++) {
      nodes.add("n" + (dcs.size() + 1) + (char) ('a' + i));
    }
    return dc(name, nodes, gateways);
  }

  /** A DC whose servers have these node names (FQDNs allowed). */
  Dc dc(String name, List<String> nodes, int gateways) {
    Dc dc = new Dc(dcs.size() + 1, name);
    for (int i = 0; i < nodes.size(); i++) {
      dc.servers.add(new Server(dc, nodes.get(i), "127.0." + dc.n + "." + (10 + i)));
    }
    for (int i = 0; i < gateways; i++) {
      dc.gatewayPorts.add(freePort());
    }
    dcs.add(dc);
    return dc;
  }

  List<Dc> dcs() {
    return List.copyOf(dcs);
  }

  Dc primary() {
    return dcs.get(0);
  }

  /** Every declared server, DC by DC. */
  List<Server> servers() {
    return dcs.stream().flatMap(dc -> dc.servers.stream()).toList();
  }

  /** Writes every server's config of {@code dc}, starts them all at once, and waits for them. */
  void startServers(Dc dc, String extraConfig) throws Exception {
    for (Server s : dc.servers) {
      s.config = serverConfig(s, extraConfig);
      if (s.jar == null) {
        s.jar = dc.jar;
      }
      s.process = start(s.jar, dc.launcher, "server", "--config-file", s.config.toString());
    }
    for (Server s : dc.servers) {
      s.process.awaitReady(READY);
    }
  }

  /**
   * Starts the servers and gateways of {@code group} in one JVM ({@code meshfed colocate}) with a
   * heap of {@code heap} (such as {@code 1g}), each gateway with {@code gatewayArgs}; waits until
   * every one of them is ready. Each server and gateway's {@code process} is then that JVM.
   */
  MeshfedProcess startColocated(List<Dc> group, String heap, String... gatewayArgs) throws Exception {
    List<String> words = new ArrayList<>(List.of("colocate"));
    int commands = 0;
    for (Dc dc : group) {
      for (Server s : dc.servers) {
        s.config = serverConfig(s, "");
        words.addAll(List.of("server", "--config-file", s.config.toString(), ColocateCommand.SEPARATOR));
        commands++;
      }
    }
    for (Dc dc : group) {
      for (int i = 0; i < dc.gatewayPorts.size(); i++) {
        words.addAll(dc.gatewayArgs(dc.server(), gatewayName(dc, i), dc.gatewayPorts.get(i), gatewayArgs));
        words.add(ColocateCommand.SEPARATOR);
        commands++;
      }
    }
    words.remove(words.size() - 1);
    MeshfedProcess p = start(cmd -> cmd.stream().map(w -> w.startsWith("-Xmx") ? "-Xmx" + heap : w).toList(),
        words.toArray(String[]::new));
    p.awaitReadyLines(commands, READY.multipliedBy(2));
    for (Dc dc : group) {
      dc.servers.forEach(s -> s.process = p);
      for (int i = 0; i < dc.gatewayPorts.size(); i++) {
        dc.gateways.put(gatewayName(dc, i), p);
      }
    }
    return p;
  }

  private static String gatewayName(Dc dc, int i) {
    return "gw" + dc.n + (char) ('a' + i);
  }

  /**
   * Runs {@code s} on a config with {@code extraConfig} that must stop start-up: returns what the
   * process said once it has exited (within {@link #READY}, or the test fails).
   */
  MeshfedProcess.Result refusedStart(Server s, String extraConfig) throws Exception {
    Path config = serverConfig(s, extraConfig);
    try (MeshfedProcess p = start(s.dc.launcher, "server", "--config-file", config.toString())) {
      return p.result(READY, s.node + " started on a config that should stop it: " + extraConfig);
    }
  }

  /**
   * Starts every server of {@code dc} on the shared {@code journal}, each naming all of them in
   * {@code retry-join}, with {@code bootstrap-expect} the DC's size; {@code extraConfig} is added.
   */
  void startSharedJournalServers(Dc dc, TestPostgres journal, String extraConfig) throws Exception {
    String seeds = String.join(", ", dc.servers.stream().map(s -> quote(s.lanAddress())).toList());
    startServers(dc, "retry-join = [%s]%nbootstrap-expect = %d%n%s%n%s".formatted(seeds, dc.servers.size(),
        journal.persistenceConfig(), extraConfig));
  }

  /**
   * A primary DC name of this run's own: a shared journal may hold earlier runs' primaries, and a new
   * one must not find their state.
   */
  static String uniqueDcName(String prefix) {
    return prefix + Integer.toString(java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 30), 36);
  }

  /** Starts a stopped server again, on the same config and data. */
  void restart(Server s) throws Exception {
    restart(s, s.jar == null ? s.dc.jar : s.jar);
  }

  /** Starts a stopped server again from {@code jar} (an upgrade, or a downgrade), on the same config and data. */
  void restart(Server s, Path jar) throws Exception {
    s.jar = jar;
    s.process = start(jar, s.dc.launcher, "server", "--config-file", s.config.toString());
    s.process.awaitReady(READY);
  }

  /** Starts the gateways of {@code dc} ({@code gw<n><a|b|...>}) on their declared ports, each with {@code extraArgs}. */
  void startGateways(Dc dc, String... extraArgs) throws Exception {
    for (int i = 0; i < dc.gatewayPorts.size(); i++) {
      dc.startGateway(gatewayName(dc, i), dc.gatewayPorts.get(i), extraArgs);
    }
  }

  /** From now on, samples every server's connections every 200 ms. */
  void sampleConnections() {
    sampler.scheduleWithFixedDelay(this::sample, 0, 200, TimeUnit.MILLISECONDS);
  }

  /** Connections seen from a server to another DC's server address: must stay empty. */
  Set<String> directConnections() {
    return Set.copyOf(direct);
  }

  /** "dcX->dcY" for each server-to-gateway connection seen: proves the sampling sees connections. */
  Set<String> connectionsToGateways() {
    return Set.copyOf(throughGateways);
  }

  /** Waits until every running server sees every server alive, and suspects none of them. */
  void awaitEveryWanMemberAlive() throws Exception {
    Map<String, String> expected = new TreeMap<>();
    dcs.forEach(dc -> dc.servers.forEach(s -> expected.put(s.node + "." + dc.name, "alive")));
    forEveryServer(s -> Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      assertThat(s.wanMembers()).as(s.node + "'s WAN members").isEqualTo(expected);
      assertThat(s.suspects()).as(s.node + "'s suspected WAN members").isZero();
    }));
  }

  /**
   * Waits until no running server has suspected any WAN member for {@code quiet}: right after a DC
   * joins, members still suspect each other until the routes through the gateways exist, and a
   * timing measured from then would count part of that.
   */
  void awaitNoSuspicionFor(Duration quiet) throws Exception {
    Awaitility.await().during(quiet).atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        forEveryServer(s -> assertThat(s.suspects()).as(s.node + "'s suspected WAN members").isZero()));
  }

  /** Waits until every running server's own store holds {@code expected} (DC → gateway names). */
  void awaitFederationStates(Map<String, Set<String>> expected) throws Exception {
    forEveryServer(s -> Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(25)).untilAsserted(() ->
        assertThat(s.federationStates()).as("federation states held by " + s.node + "." + s.dc.name)
            .isEqualTo(expected)));
  }

  /** A check of one server, which may throw (an HTTP or gRPC call). */
  interface ServerCheck {
    void check(Server s) throws Exception;
  }

  /** Waits until every running server's own store holds at least {@code expected}. */
  void awaitFederationStatesContain(Map<String, Set<String>> expected) throws Exception {
    forEveryServer(s -> Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
        assertThat(s.federationStates()).as("federation states held by " + s.node + "." + s.dc.name)
            .containsAllEntriesOf(expected)));
  }

  /** Runs {@code check} on every running server, DC by DC. */
  void forEveryServer(ServerCheck check) throws Exception {
    for (Dc dc : dcs) {
      for (Server s : dc.servers) {
        if (s.process != null && s.process.process.isAlive()) {
          check.check(s);
        }
      }
    }
  }

  MeshfedProcess start(UnaryOperator<List<String>> launcher, String... args) throws Exception {
    return start(MeshfedProcess.JAR, launcher, args);
  }

  /** Starts the command from {@code jar}: this build's ({@link MeshfedProcess#JAR}) or another release's. */
  MeshfedProcess start(Path jar, UnaryOperator<List<String>> launcher, String... args) throws Exception {
    MeshfedProcess p = MeshfedProcess.startJar(jar, launcher, args);
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  @Override
  public void close() {
    sampler.shutdownNow();
    synchronized (processes) {
      processes.forEach(MeshfedProcess::close);
    }
    wanLinks.values().forEach(WanLink::close);
  }

  private void sample() {
    for (Dc from : dcs) {
      for (Server server : from.servers) {
        MeshfedProcess p = server.process;
        if (p == null || !p.process.isAlive()) {
          continue;
        }
        try {
          for (TcpConnections.Connection c : TcpConnections.establishedBy(p.process.pid())) {
            for (Dc to : dcs) {
              if (to != from && to.servers.stream().anyMatch(s -> s.host.equals(c.remoteAddress()))) {
                direct.add(server.node + "." + from.name + " " + c);
              }
              if (c.remoteAddress().equals(to.gatewayHost())) {
                throughGateways.add(from.name + "->" + to.name);
              }
            }
          }
        } catch (Exception processGone) {
          // the process exited between the check and the read
        }
      }
    }
  }

  /** The CA that signed every server's first certificate. */
  CertificateTool.Issued ca() {
    return ca;
  }

  /** Makes {@code cas} the trusted CA certificates of every server's ca-file (in force at its next reload). */
  void trustCas(CertificateTool.Issued... cas) throws Exception {
    Files.writeString(dir.resolve("ca.pem"), String.join("", Stream.of(cas).map(CertificateTool.Issued::certificatePem)
        .toList()));
  }

  /**
   * Writes a new certificate and key for {@code s}, signed by {@code issuer} (in force at its next
   * reload). It also names the server's address, which a gateway dialing its gRPC TLS port checks.
   */
  void reissue(Server s, CertificateTool.Issued issuer) throws Exception {
    CertificateTool.Issued cert = CertificateTool.createServerCert(issuer, s.dc.name, s.node, "meshfed",
        Duration.ofDays(30), List.of(), List.of(s.host));
    Files.writeString(dir.resolve(s.node + ".pem"), cert.certificatePem());
    Files.writeString(dir.resolve(s.node + "-key.pem"), cert.privateKeyPem());
  }

  /** Writes a new client certificate and key for gateway {@code name} (with {@link #gatewaysOverTls}). */
  void reissueGateway(String name, CertificateTool.Issued issuer) throws Exception {
    CertificateTool.Issued cert = CertificateTool.createClientCert(issuer, name, "meshfed", Duration.ofDays(30));
    Files.writeString(dir.resolve(name + ".pem"), cert.certificatePem());
    Files.writeString(dir.resolve(name + "-key.pem"), cert.privateKeyPem());
  }

  private Path serverConfig(Server s, String extraConfig) throws Exception {
    reissue(s, ca);
    Path certFile = dir.resolve(s.node + ".pem");
    Path keyFile = dir.resolve(s.node + "-key.pem");
    String primaryGateways = s.dc == primary() ? "" : "primary-gateways = ["
        + String.join(", ", primary().gatewayPorts.stream().map(p -> quote(primary().wanAddress(p))).toList()) + "]";
    return Files.writeString(dir.resolve(s.node + ".conf"), """
        meshfed {
          datacenter = %s, primary-datacenter = %s, node-name = %s, data-dir = %s
          bind-address = "%s"
          ports { http = %d, grpc = %d, server = %d, lan = %d%s }
          tls { ca-file = %s, cert-file = %s, key-file = %s%s }
          connect { enabled = true, enable-mesh-gateway-wan-federation = true }
          %s
          %s
          %s
        }
        """.formatted(s.dc.name, primary, s.node, quote(dir.resolve("data-" + s.node).toString()), s.host, s.http,
        s.grpc, s.serverPort, s.lan, gatewaysOverTls ? ", grpc-tls = " + s.grpcTls : "",
        quote(dir.resolve("ca.pem").toString()), quote(certFile.toString()), quote(keyFile.toString()),
        gatewaysOverTls ? ", grpc { verify-incoming = true }" : "", primaryGateways, timings, extraConfig));
  }

  private static String quote(String s) {
    return ConfigUtil.quoteString(s);
  }

  /** Ports handed out in this JVM: the OS may offer a just-released port again, and two would clash. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /** A free port not handed out before in this test JVM. */
  static int freePort() {
    try {
      while (true) {
        int port = MeshfedProcess.freePort();
        if (HANDED_OUT.add(port)) {
          return port;
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
