package io.meshfed.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real network cut for processes on one machine (scenario (e)). The processes start in their own
 * cgroup (v2); iptables marks every connection they open or answer (conntrack), and while cut drops
 * every packet, both ways, of a marked connection to or from the networks named in {@link #cut}.
 * Both ways matter: with only its own packets dropped, a process still receives a reply already
 * on its way. A socket belongs to the cgroup its process was in when it was created, which is why
 * the processes must start inside it rather than be moved there later. Needs root, iptables and a
 * cgroup2 mount; {@link #unavailable()} says what is missing. Closing it lifts the cut and removes
 * its rules and the cgroup, so it must be closed after the processes are gone.
 */
final class NetworkCut implements AutoCloseable {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final Duration COMMAND = Duration.ofSeconds(30);
  /** A root shell's PATH has the sbin directories; a test JVM's may not. */
  private static final Optional<String> IPTABLES = MeshfedProcess.onPath("iptables") ? Optional.of("iptables")
      : Stream.of("/usr/sbin/iptables", "/sbin/iptables").filter(f -> Files.isExecutable(Path.of(f)))
          .findFirst();

  private final Path cgroup;
  private final List<String> mark;
  private final String connmark;
  private final List<List<String>> drops = new ArrayList<>();

  /** Why a cut cannot be made here, or empty when it can. */
  static Optional<String> unavailable() {
    Optional<String> iptables = iptablesUnavailable();
    if (iptables.isPresent() || cgroup2Root().isPresent()) {
      return iptables;
    }
    return Optional.of("no cgroup2 file system is mounted");
  }

  /** Why iptables cannot be run here, or empty when it can. */
  static Optional<String> iptablesUnavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("not root (iptables needs it)");
    }
    if (IPTABLES.isEmpty()) {
      return Optional.of("iptables is neither on the PATH nor in /usr/sbin or /sbin (bin/test installs Debian's"
          + " iptables when run as root)");
    }
    return Optional.empty();
  }

  NetworkCut(String name) throws Exception {
    Path root = cgroup2Root().orElseThrow(() -> new IllegalStateException("no cgroup2 file system is mounted"));
    int n = SEQUENCE.incrementAndGet();
    String path = "meshfed-it-" + name + "-" + ProcessHandle.current().pid() + "-" + n;
    cgroup = Files.createDirectory(root.resolve(path));
    // unique per cut of this JVM, and unlikely to clash with another JVM's
    connmark = "0x" + Integer.toHexString(0x3e000000 | (int) (ProcessHandle.current().pid() & 0xffff) << 8 | n & 0xff);
    mark = List.of("-t", "mangle", "OUTPUT", "-m", "cgroup", "--path", path, "-j", "CONNMARK", "--set-mark", connmark);
    try {
      iptables("-A", mark);
    } catch (Exception e) {
      Files.delete(cgroup);
      throw e;
    }
  }

  /** {@code command} run inside this cgroup: the shell moves itself in, then becomes the command (same pid). */
  List<String> wrap(List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
        cgroup.resolve("cgroup.procs").toString()));
    wrapped.addAll(command);
    return wrapped;
  }

  /** Drops, from now on, every packet between this cgroup's connections and these networks (CIDR). */
  void cut(String... networks) throws Exception {
    for (String network : networks) {
      for (String direction : List.of("-d", "-s")) {
        List<String> drop = List.of("OUTPUT", "-m", "connmark", "--mark", connmark, direction, network, "-j", "DROP");
        iptables("-I", drop);
        drops.add(drop);
      }
    }
  }

  /** Lifts the cut. */
  void restore() throws Exception {
    while (!drops.isEmpty()) {
      iptables("-D", drops.get(drops.size() - 1));
      drops.remove(drops.size() - 1);
    }
  }

  @Override
  public void close() throws Exception {
    restore();
    iptables("-D", mark);
    // rmdir fails while a killed process is still exiting
    Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      Files.deleteIfExists(cgroup);
      return true;
    });
  }

  /** Runs iptables {@code op} on {@code rule}: the chain first, or {@code -t table} then the chain. */
  static void iptables(String op, List<String> rule) throws Exception {
    List<String> command = new ArrayList<>(List.of(IPTABLES.orElseThrow(), "-w", "10"));
    int chain = rule.get(0).equals("-t") ? 2 : 0;
    command.addAll(rule.subList(0, chain));
    command.add(op);
    command.addAll(rule.subList(chain, rule.size()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(COMMAND.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish within " + COMMAND);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
    }
  }

  private static Optional<Path> cgroup2Root() {
    try {
      return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(line -> line.split(" "))
          .filter(f -> f.length > 2 && f[2].equals("cgroup2")).map(f -> Path.of(f[1]))
          .filter(Files::isWritable).findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
