package io.meshfed.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "client", mixinStandardHelpOptions = true,
    description = "Measures one target; prints a human line per measurement and 'RESULT target=.. test=.. value=.. unit=..' lines.")
final class ClientCommand implements Callable<Integer> {
  enum Test { THROUGHPUT, CONN_RATE, LATENCY }

  @Mixin
  TargetOptions target;

  @Option(names = "--target", required = true, description = "Label of the target in RESULT lines, e.g. direct, haproxy, meshfed.")
  String label;

  @Option(names = "--tests", split = ",", defaultValue = "throughput,conn_rate,latency",
      description = "Which measurements, in order (default: ${DEFAULT-VALUE}).")
  List<Test> tests;

  @Option(names = "--connections", defaultValue = "4", description = "Throughput: parallel connections (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--total-mib", defaultValue = "256",
      description = "Throughput: MiB sent each way, split over the connections (default: ${DEFAULT-VALUE}).")
  long totalMib;

  @Option(names = "--warmup-mib", defaultValue = "64", description = "Throughput: MiB each way of the unmeasured first round (default: ${DEFAULT-VALUE}).")
  long warmupMib;

  @Option(names = "--workers", defaultValue = "16", description = "Connection rate: concurrent workers (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--duration", defaultValue = "10", description = "Connection rate: measured seconds (default: ${DEFAULT-VALUE}).")
  double durationSeconds;

  @Option(names = "--warmup", defaultValue = "2", description = "Connection rate: unmeasured seconds first (default: ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--iterations", defaultValue = "20000", description = "Latency: measured round trips (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--warmup-iterations", defaultValue = "2000", description = "Latency: unmeasured round trips first (default: ${DEFAULT-VALUE}).")
  int warmupIterations;

  @Option(names = "--size", defaultValue = "64", description = "Latency: bytes of a request and of its response (default: ${DEFAULT-VALUE}).")
  int size;

  @Override
  public Integer call() throws Exception {
    int failed = 0;
    try (Dialer dialer = target.dialer()) {
      for (Test test : tests) {
        try {
          switch (test) {
            case THROUGHPUT -> throughput(dialer);
            case CONN_RATE -> connRate(dialer);
            case LATENCY -> latency(dialer);
          }
        } catch (Exception e) {
          failed++;
          System.err.printf("FAILED %s %s: %s%n", label, test.name().toLowerCase(Locale.ROOT), e);
        }
      }
    }
    return failed == 0 ? 0 : 1;
  }

  private void throughput(Dialer dialer) throws Exception {
    long mib = 1024L * 1024L;
    ThroughputTest.Figures f = ThroughputTest.run(dialer, connections, totalMib * mib, warmupMib * mib);
    human("throughput %-8s up %.1f MiB/s, down %.1f MiB/s, both ways %.1f MiB/s (%d connections, %d MiB each way, checksums match)",
        label, f.upMibPerSecond(), f.downMibPerSecond(), f.totalMibPerSecond(), connections, f.bytesEachWay() / mib);
    result("throughput_up", f.upMibPerSecond(), "MiB/s");
    result("throughput_down", f.downMibPerSecond(), "MiB/s");
    result("throughput_total", f.totalMibPerSecond(), "MiB/s");
  }

  private void connRate(Dialer dialer) throws Exception {
    ConnRateTest.Figures f = ConnRateTest.run(dialer, workers, seconds(warmupSeconds), seconds(durationSeconds));
    human("conn_rate  %-8s %.1f conn/s (%d full TLS 1.3 handshakes + 1-byte echo in %.1f s, %d workers), %d errors%s",
        label, f.connectionsPerSecond(), f.connections(), durationSeconds, workers, f.errors(),
        f.firstError() == null ? "" : " (first: " + f.firstError() + ")");
    result("conn_rate", f.connectionsPerSecond(), "conn/s");
    result("conn_errors", f.errors(), "count");
  }

  private void latency(Dialer dialer) throws Exception {
    Histogram h = LatencyTest.run(dialer, size, warmupIterations, iterations);
    double p50 = micros(h.getValueAtPercentile(50));
    double p90 = micros(h.getValueAtPercentile(90));
    double p99 = micros(h.getValueAtPercentile(99));
    double max = micros(h.getMaxValue());
    human("latency    %-8s p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us (%d round trips of %d bytes)",
        label, p50, p90, p99, max, h.getTotalCount(), size);
    result("latency_p50", p50, "us");
    result("latency_p90", p90, "us");
    result("latency_p99", p99, "us");
    result("latency_max", max, "us");
  }

  private void result(String test, double value, String unit) {
    System.out.println(new Result(label, test, value, unit).line());
  }

  private static void human(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }

  private static Duration seconds(double seconds) {
    return Duration.ofNanos((long) (seconds * 1e9));
  }

  private static double micros(long nanos) {
    return nanos / 1e3;
  }
}
