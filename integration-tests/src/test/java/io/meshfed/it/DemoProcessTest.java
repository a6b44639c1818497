package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code meshfed demo} as a user runs it: it starts its DCs as child processes, shows the converged
 * view, and on SIGTERM stops every child and removes its temporary directory.
 */
class DemoProcessTest {
  private static final Pattern DIR = Pattern.compile("data and logs in (\\S+)");
  private static final Duration CONVERGE = Duration.ofSeconds(150);

  private MeshfedProcess demo;
  private final Set<ProcessHandle> children = ConcurrentHashMap.newKeySet();

  @AfterEach
  void killLeftovers() {
    if (demo != null) {
      demo.close();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void twoDatacentersConvergeAndCtrlCStopsEverything() throws Exception {
    long started = System.nanoTime();
    demo = MeshfedProcess.start("demo", "--datacenters", "2", "--for", "180s");
    Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
        .alias("the converged headline; output so far: " + demo.stdout + " " + demo.stderr)
        .until(() -> {
          demo.process.descendants().forEach(children::add);
          assertThat(demo.process.isAlive()).as("demo alive; stderr " + demo.stderr).isTrue();
          return output().contains("converged: every DC sees 2 alive WAN members and 2 federation states");
        });
    System.out.printf("meshfed demo --datacenters 2 converged %d ms after its start%n",
        (System.nanoTime() - started) / 1_000_000);
    demo.process.descendants().forEach(children::add);
    assertThat(children.stream().filter(ProcessHandle::isAlive)).as("a server and a gateway per DC").hasSize(4);
    Matcher m = DIR.matcher(output());
    assertThat(m.find()).as("the demo says where its data is: " + output()).isTrue();
    Path dir = Path.of(m.group(1));
    assertThat(dir).isDirectory();
    assertThat(dir.resolve("dc2-server.log")).isRegularFile();
    String out = output();
    assertThat(out).contains("starting dc1 server ... ready (HTTP 127.0.1.1:", "starting dc2 gateway ... ready (127.0.2.2:",
        "Traffic between DCs only goes through the mesh gateways", "n2.dc2", "gw1 127.0.1.2:");

    // A signal sent with kill (Process.destroy() would close our end of its stdout at once, losing what
    // the demo prints while it stops).
    long stopAt = System.nanoTime();
    // SIGTERM rather than SIGINT: a process started in the background by a non-interactive shell
    // (bin/test runs Maven that way) inherits SIGINT as ignored, and so does every JVM below it,
    // which then never sees the signal. The demo handles both the same way (its shutdown hook).
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(demo.process.pid())).start().waitFor()).isZero();
    // The demo gives its children 10 s to stop, kills the rest and waits up to 10 s more for them;
    // 60 s leaves room for a machine loaded by the rest of the suite.
    assertThat(demo.process.waitFor(60, TimeUnit.SECONDS)).as("the demo exits within 60 s of SIGTERM").isTrue();
    demo.drained();
    System.out.printf("meshfed demo stopped %d ms after SIGTERM%n", (System.nanoTime() - stopAt) / 1_000_000);
    assertThat(demo.process.exitValue()).isIn(0, 130, 143);
    assertThat(children.stream().filter(ProcessHandle::isAlive)).as("children alive after the demo stopped").isEmpty();
    assertThat(dir).doesNotExist();
    assertThat(output()).contains("meshfed demo: all stopped", "the data was in " + dir + " (removed");
  }

  @Test
  void aDatacenterCountOutsideOneToNineIsOneErrorLine() throws Exception {
    for (String n : List.of("0", "10")) {
      MeshfedProcess.Result r = MeshfedProcess.run(Duration.ofSeconds(60), "demo", "--datacenters", n);
      assertThat(r.exitCode()).as(n).isEqualTo(2);
      assertThat(r.stderr()).as(n).containsExactly(
          "Error: --datacenters must be 1 to 9, got " + n + " (see 'meshfed demo --help')");
      assertThat(r.stdout()).as(n).isEmpty();
    }
  }

  private String output() {
    synchronized (demo.stdout) {
      return String.join("\n", demo.stdout);
    }
  }
}
