package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/install.sh into a staging root (DESTDIR), {@code systemd-analyze verify} of the
 * installed units, then each unit's ExecStart run as systemd would run it: the command line parsed
 * from the unit file, its EnvironmentFile's variables expanded, as its User, with its file-system
 * sandbox (packaging/test/unit-sandbox.sh says which settings are reproduced), stopped with its
 * KillSignal within its TimeoutStopSec and ending with a status its SuccessExitStatus accepts.
 *
 * <p>This machine has no running systemd, and where one runs the test still does not install units
 * into the host's systemd: the units are never started by systemd itself here.
 */
class PackagingProcessTest {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration READY = Duration.ofSeconds(90);
  /** systemd's PATH for services. */
  private static final String SERVICE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  @TempDir Path dir;

  @Test
  void installedUnitsPassVerifyAndRunAsWritten() throws Exception {
    requireTools("PackagingProcessTest", "systemd-analyze", "systemd-sysusers", "unshare", "setpriv", "chroot");
    Prerequisites.require(Files.readString(Path.of("/proc/filesystems")).contains("overlay")
        ? Optional.empty() : Optional.of("the kernel has no overlay file system"), "PackagingProcessTest");
    Path dest = dir.resolve("root");

    Result install = install(dest);
    assertThat(install.rc).as("install.sh: %s", install.out).isZero();
    String passwd = Files.readString(dest.resolve("etc/passwd"));
    assertThat(passwd).as("the meshfed user, created in the staging root").containsPattern("(?m)^meshfed:x:\\d+:\\d+:");
    int uid = Integer.parseInt(passwd.lines().filter(l -> l.startsWith("meshfed:")).findFirst().orElseThrow().split(":")[2]);
    assertThat(Files.isExecutable(dest.resolve("usr/bin/meshfed"))).isTrue();
    assertThat(dest.resolve("usr/lib/meshfed/meshfed.jar")).hasSameBinaryContentAs(MeshfedProcess.JAR);
    assertThat(dest.resolve("usr/lib/meshfed/jvm-defaults.options")).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dest.resolve("etc/meshfed/server.conf"))))
        .isEqualTo("rw-r-----");
    assertThat(Files.getAttribute(dest.resolve("var/lib/meshfed"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(uid);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dest.resolve("var/lib/meshfed"))))
        .isEqualTo("rwxr-x---");

    // An operator's edits survive a second install (an upgrade).
    int http = MeshfedProcess.freePort();
    int grpc = MeshfedProcess.freePort();
    Files.writeString(dest.resolve("etc/meshfed/server.env"), "MESHFED_SERVER_FLAGS=--http-port " + http
        + " --grpc-port " + grpc + " --server-port " + MeshfedProcess.freePort() + " --lan-port "
        + MeshfedProcess.freePort() + "\n");
    int listen = MeshfedProcess.freePort();
    int admin = MeshfedProcess.freePort();
    Files.writeString(dest.resolve("etc/meshfed/gateway.env"), "# the test's ports\nMESHFED_GATEWAY_FLAGS=--datacenter dc1"
        + " --listen 127.0.0.1:" + listen + " --server-addr 127.0.0.1:" + grpc + " --admin-port " + admin + "\n");
    Result again = install(dest);
    assertThat(again.rc).as("second install.sh: %s", again.out).isZero();
    assertThat(again.out).contains("kept the existing /etc/meshfed/server.env");
    assertThat(Files.readString(dest.resolve("etc/meshfed/server.env"))).contains("--http-port " + http);

    Unit server = Unit.parse(dest.resolve("usr/lib/systemd/system/meshfed-server.service"));
    Unit gateway = Unit.parse(dest.resolve("usr/lib/systemd/system/meshfed-gateway.service"));
    verify(dest);
    for (Unit unit : List.of(server, gateway)) {
      assertThat(unit.one("User")).isEqualTo("meshfed");
      assertThat(unit.one("ProtectSystem")).as("what unit-sandbox.sh reproduces").isEqualTo("strict");
      assertThat(unit.one("PrivateTmp")).isEqualTo("yes");
      assertThat(unit.one("NoNewPrivileges")).isEqualTo("yes");
      assertThat(unit.one("UMask")).isEqualTo("0027");
    }
    assertThat(server.one("ReadWritePaths")).isEqualTo("/var/lib/meshfed");
    assertThat(server.one("StateDirectory")).isEqualTo("meshfed");
    if (Files.isDirectory(Path.of("/run/systemd/system"))) {
      System.out.println("packaging: systemd runs on this machine, but the test does not install units into it;"
          + " the units' command lines run as systemd would run them");
    }

    try (MeshfedProcess s = start(dest, server)) {
      String ready = s.awaitReady(READY);
      assertThat(ready).contains("HTTP 127.0.0.1:" + http).contains("data dir /var/lib/meshfed");
      HttpResponse<String> leader = get(http, "/v1/status/leader");
      assertThat(leader.statusCode()).isEqualTo(200);
      assertThat(leader.body()).startsWith("\"127.0.0.1:");

      // systemctl reload: ExecReload with $MAINPID.
      List<String> reload = server.one("ExecReload").transform(line -> List.of(line.replace("$MAINPID",
          Long.toString(s.process.pid())).split("\\s+")));
      Process r = new ProcessBuilder(reload).redirectErrorStream(true).start();
      assertThat(r.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(r.exitValue()).isZero();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(s.stderrText() + String.join("\n", s.stdout)).contains("SIGHUP: meshfed server reloaded"));

      try (MeshfedProcess g = start(dest, gateway)) {
        g.awaitReady(READY);
        assertThat(get(admin, "/health").statusCode()).isEqualTo(200);
        stop(g, gateway);
      }
      stop(s, server);
    }
    try (Stream<Path> files = Files.list(dest.resolve("var/lib/meshfed"))) {
      for (Path f : files.toList()) {
        assertThat(Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("owner of %s", f).isEqualTo(uid);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS)))
            .as("UMask=0027: %s", f).endsWith("---");
      }
    }
  }

  /** The example firewall rules of docs/deploying.md parse (iptables-restore --test loads nothing). */
  @Test
  void firewallExamplesParse() throws Exception {
    requireTools("PackagingProcessTest", "iptables-restore");
    for (String rules : List.of("server.rules", "gateway.rules")) {
      Result r = run(new ProcessBuilder("iptables-restore", "--test")
          .redirectInput(ROOT.resolve("packaging/firewall").resolve(rules).toFile()), Duration.ofSeconds(30));
      assertThat(r.rc).as("iptables-restore --test < %s: %s", rules, r.out).isZero();
    }
  }

  private Result install(Path dest) throws Exception {
    ProcessBuilder b = new ProcessBuilder(ROOT.resolve("packaging/install.sh").toString(), "--jar",
        MeshfedProcess.JAR.toString()).redirectErrorStream(true);
    b.environment().put("DESTDIR", dest.toString());
    return run(b, Duration.ofSeconds(60));
  }

  /**
   * systemd-analyze verify in the staging root. The root also gets what every systemd host has and
   * the units refer to (the targets and slices, /bin/kill), copied from this host. verify exits 0
   * on an unknown key or a value it cannot parse ("ignoring"), so any output fails the test too.
   */
  private static void verify(Path dest) throws Exception {
    Path units = dest.resolve("usr/lib/systemd/system");
    for (Path hostDir : List.of(Path.of("/usr/lib/systemd/system"), Path.of("/lib/systemd/system"))) {
      if (!Files.isDirectory(hostDir)) {
        continue;
      }
      try (Stream<Path> host = Files.list(hostDir)) {
        for (Path p : host.filter(p -> p.toString().endsWith(".target") || p.toString().endsWith(".slice")).toList()) {
          Path target = units.resolve(p.getFileName().toString());
          if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.copy(p, target, LinkOption.NOFOLLOW_LINKS);
          }
        }
      }
    }
    Files.createDirectories(dest.resolve("bin"));
    Files.copy(Path.of("/bin/kill").toRealPath(), dest.resolve("bin/kill"), StandardCopyOption.REPLACE_EXISTING);
    Result verify = run(new ProcessBuilder("systemd-analyze", "verify", "--root=" + dest, "meshfed-server.service",
        "meshfed-gateway.service").redirectErrorStream(true), Duration.ofSeconds(60));
    assertThat(verify.rc).as("systemd-analyze verify: %s", verify.out).isZero();
    assertThat(verify.out).as("systemd-analyze verify must have nothing to say").isBlank();
  }

  /** The unit's ExecStart, as its User, in unit-sandbox.sh, with systemd's PATH and the EnvironmentFile's variables. */
  private static MeshfedProcess start(Path dest, Unit unit) throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", SERVICE_PATH);
    for (String file : unit.all("EnvironmentFile")) {
      boolean optional = file.startsWith("-");
      Path f = dest.resolve(file.substring(optional ? 2 : 1));
      if (!Files.exists(f)) {
        assertThat(optional).as("EnvironmentFile %s is missing", file).isTrue();
        continue;
      }
      for (String line : Files.readAllLines(f)) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#") || !t.contains("=")) {
          continue;
        }
        String value = t.substring(t.indexOf('=') + 1).strip();
        if (value.length() > 1 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
        env.put(t.substring(0, t.indexOf('=')).strip(), value);
      }
    }
    List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("packaging/test/unit-sandbox.sh").toString(),
        dest.toString(), unit.one("User")));
    cmd.addAll(execStart(unit.one("ExecStart"), env));
    ProcessBuilder b = new ProcessBuilder(cmd);
    b.environment().clear();
    b.environment().putAll(env);
    return MeshfedProcess.wrap(b, unit.name);
  }

  /** systemd's rules for this unit's form: words split on whitespace; a word $NAME becomes the variable's words, or none. */
  static List<String> execStart(String line, Map<String, String> env) {
    assertThat(line).as("ExecStart without prefixes or quotes").doesNotContain("\"").doesNotContain("'").startsWith("/");
    List<String> words = new ArrayList<>();
    for (String w : line.strip().split("\\s+")) {
      if (w.matches("\\$[A-Za-z_][A-Za-z0-9_]*")) {
        String v = env.getOrDefault(w.substring(1), "").strip();
        if (!v.isEmpty()) {
          words.addAll(List.of(v.split("\\s+")));
        }
      } else {
        assertThat(w).as("a variable inside a word").doesNotContain("$");
        words.add(w);
      }
    }
    return words;
  }

  /** systemctl stop: KillSignal, at most TimeoutStopSec, and an exit status that SuccessExitStatus calls clean. */
  private static void stop(MeshfedProcess p, Unit unit) throws Exception {
    String signal = unit.one("KillSignal").replaceFirst("^SIG", "");
    Duration timeout = seconds(unit.one("TimeoutStopSec"));
    Set<Integer> clean = unit.all("SuccessExitStatus").stream().flatMap(v -> Stream.of(v.split("\\s+")))
        .map(Integer::valueOf).collect(Collectors.toSet());
    clean.add(0);
    long start = System.nanoTime();
    p.signal(signal);
    assertThat(p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        .as("%s stopped within TimeoutStopSec %s after SIG%s; stderr: %s", unit.name, timeout, signal, p.stderrText())
        .isTrue();
    int rc = p.process.exitValue();
    System.out.printf("packaging: %s stopped in %.1f s after SIG%s, exit status %d%n", unit.name,
        (System.nanoTime() - start) / 1e9, signal, rc);
    assertThat(clean).as("%s: exit status %d is not in SuccessExitStatus", unit.name, rc).contains(rc);
  }

  private static Duration seconds(String v) {
    if (v.matches("\\d+s?")) {
      return Duration.ofSeconds(Long.parseLong(v.replace("s", "")));
    }
    if (v.matches("\\d+min")) {
      return Duration.ofMinutes(Long.parseLong(v.replace("min", "")));
    }
    throw new AssertionError("TimeoutStopSec in a form this test does not read: " + v);
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void requireTools(String test, String... tools) {
    if (!"root".equals(System.getProperty("user.name"))) {
      Prerequisites.require(Optional.of("not running as root"), test);
    }
    for (String tool : tools) {
      Prerequisites.require(MeshfedProcess.onPath(tool) ? Optional.empty() : Optional.of(tool + " is not on the PATH"), test);
    }
  }

  record Result(int rc, String out) {}

  static Result run(ProcessBuilder b, Duration timeout) throws Exception {
    Process p = b.redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(b.command() + " did not finish within " + timeout);
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** The [Service] settings of a unit file: enough of systemd's syntax for these units. */
  record Unit(String name, Map<String, List<String>> service) {
    static Unit parse(Path file) throws IOException {
      Map<String, List<String>> service = new LinkedHashMap<>();
      String section = "";
      for (String line : Files.readAllLines(file)) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
          continue;
        }
        assertThat(t).as("%s: line continuations are not read here", file).doesNotEndWith("\\");
        if (t.startsWith("[")) {
          section = t;
        } else if (section.equals("[Service]")) {
          int eq = t.indexOf('=');
          service.computeIfAbsent(t.substring(0, eq).strip(), k -> new ArrayList<>()).add(t.substring(eq + 1).strip());
        }
      }
      return new Unit(file.getFileName().toString(), service);
    }

    String one(String key) {
      List<String> v = all(key);
      assertThat(v).as("%s: %s= set once", name, key).hasSize(1);
      return v.get(0);
    }

    List<String> all(String key) {
      return service.getOrDefault(key, List.of());
    }
  }
}
