package io.meshfed.it;

import io.meshfed.cli.launch.JvmDefaults;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A real {@code meshfed} JVM started from the runnable jar, with its output captured line by line. */
final class MeshfedProcess implements AutoCloseable {
  /** The first line of a server or a gateway once it serves. */
  private static final java.util.regex.Pattern READY_LINE = java.util.regex.Pattern.compile("meshfed (server|gateway) ready:");
  static final Path JAR = Path.of(System.getProperty("user.dir")).resolve("../cli/target/meshfed.jar").normalize();
  private static final JvmDefaults DEFAULTS = JvmDefaults.load();

  final Process process;
  final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
  final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  /** The runnable jar it runs: this build's {@link #JAR} or another release's. */
  Path jar;

  /** What it runs, for the memory line: the subcommand and its config file's name. */
  private final String label;

  private MeshfedProcess(Process process, String label) {
    this.process = process;
    this.label = label;
    pump(process.getInputStream(), stdout, true);
    pump(process.getErrorStream(), stderr, false);
  }

  /** Everything written to stderr so far (the log), one line per line. */
  String stderrText() {
    synchronized (stderr) {
      return String.join("\n", stderr);
    }
  }

  static MeshfedProcess start(String... args) throws IOException {
    return start(UnaryOperator.identity(), args);
  }

  /** Starts the command that {@code launcher} makes of the plain java command line. */
  static MeshfedProcess start(UnaryOperator<List<String>> launcher, String... args) throws IOException {
    return start(null, launcher, args);
  }

  /** Starts it in {@code workDir}, so that relative paths in its arguments and config resolve there. */
  static MeshfedProcess startIn(Path workDir, String... args) throws IOException {
    return start(workDir, UnaryOperator.identity(), args);
  }

  private static MeshfedProcess start(Path workDir, UnaryOperator<List<String>> launcher, String... args)
      throws IOException {
    return start(JAR, workDir, launcher, args);
  }

  /**
   * Starts the command from another runnable jar (a previous release's: {@link PreviousRelease}), with
   * this build's JVM options for it.
   */
  static MeshfedProcess startJar(Path jar, UnaryOperator<List<String>> launcher, String... args) throws IOException {
    return start(jar, null, launcher, args);
  }

  private static MeshfedProcess start(Path jar, Path workDir, UnaryOperator<List<String>> launcher, String... args)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("the runnable jar " + jar + " is missing: build with mvn package first");
    }
    JvmDefaults.Kind kind = args.length == 0 ? null : JvmDefaults.Kind.ofSubcommand(args[0]);
    List<String> cmd = new ArrayList<>(List.of(javaBin()));
    if (kind != null) {
      // What a server or gateway ships with (bin/meshfed), so that these tests measure that.
      cmd.addAll(DEFAULTS.jvmOptions(kind));
    } else {
      cmd.add("-Xmx256m"); // the short-lived CLI commands
    }
    // Every process here, gateways included: little JIT work to take CPU from the others on a
    // small test host (a server has it already).
    if (!cmd.contains("-XX:TieredStopAtLevel=1")) {
      cmd.add("-XX:TieredStopAtLevel=1");
    }
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    // A test run started with SIGHUP ignored (nohup, some CI runners) would pass that on, and a JVM
    // cannot handle a signal it started with ignored: the reload tests send SIGHUP.
    List<String> withSignals = new ArrayList<>(List.of("env", "--default-signal=HUP"));
    withSignals.addAll(launcher.apply(cmd));
    ProcessBuilder builder = new ProcessBuilder(withSignals);
    if (kind != null) {
      DEFAULTS.applyEnvironment(kind, builder.environment());
    }
    if (workDir != null) {
      builder.directory(workDir.toFile());
    }
    MeshfedProcess started = new MeshfedProcess(builder.start(), label(args));
    started.jar = jar;
    return started;
  }

  /**
   * Starts a command that is not the plain java command line (an installed launcher in a sandbox,
   * an image's entrypoint in a chroot): output captured and the ready line awaited as for the others.
   */
  static MeshfedProcess wrap(ProcessBuilder builder, String label) throws IOException {
    return new MeshfedProcess(builder.start(), label);
  }

  /** Runs a short-lived command to completion. */
  static Result run(Duration timeout, String... args) throws Exception {
    return runIn(null, timeout, args);
  }

  /** Runs a short-lived command to completion in {@code workDir} (null: this JVM's working directory). */
  static Result runIn(Path workDir, Duration timeout, String... args) throws Exception {
    try (MeshfedProcess p = start(workDir, UnaryOperator.identity(), args)) {
      return p.result(timeout, "meshfed " + String.join(" ", args) + " did not finish within " + timeout);
    }
  }

  /** Waits for the process to exit and all it printed; fails with {@code notFinished} after {@code timeout}. */
  Result result(Duration timeout, String notFinished) throws Exception {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(notFinished);
    }
    drained();
    return new Result(process.exitValue(), List.copyOf(stdout), List.copyOf(stderr));
  }

  record Result(int exitCode, List<String> stdout, List<String> stderr) {
    String out() {
      return String.join("\n", stdout);
    }
  }

  /** Waits for the ready line; fails with everything it printed if it exits first. */
  String awaitReady(Duration timeout) throws Exception {
    try {
      return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      throw new AssertionError("not ready within " + timeout + "; stdout: " + stdout + " stderr: " + stderr);
    }
  }

  /**
   * Waits for {@code n} ready lines: {@code meshfed colocate} prints one per server and gateway.
   * Fails with everything it printed if it exits first or they do not come within {@code timeout}.
   */
  void awaitReadyLines(int n, Duration timeout) {
    org.awaitility.Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      long ready;
      synchronized (stdout) {
        ready = stdout.stream().filter(l -> READY_LINE.matcher(l).lookingAt()).count();
      }
      if (ready < n && !process.isAlive()) {
        // Not an AssertionError, which awaitility would retry until the timeout: it will not come.
        throw new IllegalStateException("exited with " + process.exitValue() + " after " + ready + " of " + n
            + " ready lines; stdout: " + stdout + " stderr: " + stderrText());
      }
      if (ready < n) {
        throw new AssertionError(ready + " of " + n + " ready lines; stderr: " + stderrText());
      }
    });
  }

  /** CPU time the process has used so far (user and system). */
  Duration cpuTime() {
    return process.info().totalCpuDuration().orElseThrow(() ->
        new IllegalStateException("no CPU time for process " + process.pid()));
  }

  private final CompletableFuture<Void> outDone = new CompletableFuture<>();
  private final CompletableFuture<Void> errDone = new CompletableFuture<>();

  void drained() throws Exception {
    CompletableFuture.allOf(outDone, errDone).get(10, TimeUnit.SECONDS);
  }

  private void pump(java.io.InputStream in, List<String> sink, boolean isStdout) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          sink.add(line);
          if (isStdout && READY_LINE.matcher(line).lookingAt()) {
            ready.complete(line);
          }
        }
      } catch (IOException ignored) {
        // The process is gone; what it printed is in the sink.
      } finally {
        if (isStdout) {
          ready.completeExceptionally(new IllegalStateException("stdout closed"));
          outDone.complete(null);
        } else {
          errDone.complete(null);
        }
      }
    }, "meshfed-process-" + (isStdout ? "out" : "err"));
    t.setDaemon(true);
    t.start();
  }

  /** SIGHUP: a server or gateway reloads its files. */
  void hangUp() throws Exception {
    signal("HUP");
  }

  /** SIGSTOP: the JVM stops as in a long GC pause; its kernel still accepts connections. */
  void pause() throws Exception {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  void resume() throws Exception {
    signal("CONT");
  }

  void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /**
   * SIGTERM, then wait; returns the exit code. Sent with kill rather than {@code Process.destroy()},
   * which also closes our ends of the process's output: what it logs while it stops would be lost.
   */
  int terminate(Duration timeout) throws Exception {
    printMemory();
    signal("TERM");
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("process did not stop within " + timeout + " after SIGTERM; stderr: " + stderr);
    }
    drained();
    return process.exitValue();
  }

  private static String label(String... args) {
    StringBuilder b = new StringBuilder(args.length == 0 ? "meshfed" : args[0]);
    for (int i = 1; i < args.length; i++) {
      if (args[i].endsWith(".conf") || args[i].endsWith(".hcl")) {
        b.append(' ').append(Path.of(args[i]).getFileName());
      }
    }
    return b.toString();
  }

  /**
   * Stops it at once. A process still running first prints its memory to the test's output, so
   * every process test reports the footprint of servers and gateways under its own load.
   */
  @Override
  public void close() {
    if (process.isAlive()) {
      printMemory();
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The process's resident memory (VmRSS) in KiB. */
  long rssKb() throws IOException {
    return statusKb("VmRSS:");
  }

  /** The most it has had resident (VmHWM) in KiB. */
  long peakRssKb() throws IOException {
    return statusKb("VmHWM:");
  }

  private long statusKb(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no " + field + " for process " + process.pid());
  }

  /** One line {@code memory: server dc1-n1.conf pid 123: RSS 180 MiB, peak 201 MiB} (bench/footprint.sh sums them up). */
  private void printMemory() {
    try {
      System.out.printf("memory: %s pid %d: RSS %d MiB, peak %d MiB%n", label, process.pid(),
          statusKb("VmRSS:") / 1024, statusKb("VmHWM:") / 1024);
    } catch (IOException | RuntimeException gone) {
      // exited meanwhile: nothing to report
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Whether an executable named {@code tool} is on the PATH. */
  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(d.isEmpty() ? "." : d, tool);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return true;
      }
    }
    return false;
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
