package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prometheus's {@code promtool} (Debian's {@code prometheus} package, which bin/test installs), and
 * what the monitoring tests share: the files of docs/monitoring and the metric names in a scrape.
 */
final class Promtool {
  static final Path MONITORING = Path.of(System.getProperty("user.dir")).resolve("../docs/monitoring").normalize();
  private static final Pattern METRIC = Pattern.compile("\\bmeshfed_[a-z0-9_]+");

  private Promtool() {}

  /** A promtool run: its exit code, stdout and stderr together. */
  record Run(int exitCode, String output) {}

  /** Skips the test (fails it with CI=true) when promtool is not on the PATH. */
  static void require(String test) {
    Prerequisites.require(MeshfedProcess.onPath("promtool") ? Optional.empty()
        : Optional.of("promtool is not installed (Debian package prometheus; bin/test installs it when root)"), test);
  }

  /** Runs promtool with {@code args} (and {@code stdin}, if not null); its exit code and output. */
  static Run run(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(MONITORING.toFile()).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool " + String.join(" ", args) + " ended").isTrue();
    return new Run(p.exitValue(), output);
  }

  /** The sample names of a scrape in the text format (histograms' _bucket, _sum, _count included). */
  static Set<String> sampleNames(String scrape) {
    Set<String> names = new TreeSet<>();
    scrape.lines().filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .forEach(l -> names.add(l.substring(0, firstOf(l, '{', ' '))));
    return names;
  }

  /** Every {@code meshfed_*} metric name in {@code text} (a rule file, a dashboard). */
  static Set<String> metricNames(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  static String read(String file) throws IOException {
    return Files.readString(MONITORING.resolve(file));
  }

  private static int firstOf(String line, char a, char b) {
    int i = line.indexOf(a);
    int j = line.indexOf(b);
    return i < 0 ? j : j < 0 ? i : Math.min(i, j);
  }
}
