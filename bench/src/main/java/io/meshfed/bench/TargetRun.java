package io.meshfed.bench;

import java.io.PrintStream;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The measurements of a {@link Plan} against one target: a human line per measurement, and a
 * RESULT line per figure unless it is a warm-up. A failed measurement is reported and the next
 * one still runs.
 */
final class TargetRun {

  private final String label;
  private final Dialer dialer;
  private final PrintStream out;
  private final boolean recorded;
  private int failures;

  private TargetRun(String label, Dialer dialer, PrintStream out, boolean recorded) {
    this.label = label;
    this.dialer = dialer;
    this.out = out;
    this.recorded = recorded;
  }

  /** Runs the plan; returns how many measurements failed. */
  static int run(String label, Dialer dialer, Plan plan, boolean recorded, PrintStream out) {
    TargetRun run = new TargetRun(label, dialer, out, recorded);
    for (Plan.Test test : plan.tests()) {
      try {
        switch (test) {
          case THROUGHPUT -> run.throughput(plan);
          case CONN_RATE -> run.connRate(plan);
          case LATENCY -> run.latency(plan);
        }
      } catch (Exception e) {
        run.failures++;
        out.printf("FAILED %s %s: %s%n", label, test.name().toLowerCase(Locale.ROOT), e);
      }
    }
    return run.failures;
  }

  private void throughput(Plan plan) throws Exception {
    ThroughputTest.Figures f = ThroughputTest.run(dialer, plan.connections(), plan.totalBytes(), plan.warmupBytes());
    human("throughput %-8s up %.1f MiB/s, down %.1f MiB/s, both ways %.1f MiB/s (%d connections, %.0f MiB each way, checksums match)",
        label, f.upMibPerSecond(), f.downMibPerSecond(), f.totalMibPerSecond(), plan.connections(), f.bytesEachWay() / ThroughputTest.MIB);
    result("throughput_up", f.upMibPerSecond(), "MiB/s");
    result("throughput_down", f.downMibPerSecond(), "MiB/s");
    result("throughput_total", f.totalMibPerSecond(), "MiB/s");
  }

  private void connRate(Plan plan) throws Exception {
    ConnRateTest.Figures f = ConnRateTest.run(dialer, plan.workers(), plan.warmup(), plan.duration());
    human("conn_rate  %-8s %.1f conn/s (%d full TLS 1.3 handshakes + 1-byte echo in %.1f s, %d workers), %d errors%s",
        label, f.connectionsPerSecond(), f.connections(), plan.duration().toMillis() / 1e3, plan.workers(), f.errors(),
        f.firstError() == null ? "" : " (first: " + f.firstError() + ")");
    result("conn_rate", f.connectionsPerSecond(), "conn/s");
    result("conn_errors", f.errors(), "count");
  }

  private void latency(Plan plan) throws Exception {
    Histogram h = LatencyTest.run(dialer, plan.size(), plan.warmupIterations(), plan.iterations());
    double p50 = micros(h.getValueAtPercentile(50));
    double p90 = micros(h.getValueAtPercentile(90));
    double p99 = micros(h.getValueAtPercentile(99));
    double max = micros(h.getMaxValue());
    human("latency    %-8s p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us (%d round trips of %d bytes)",
        label, p50, p90, p99, max, h.getTotalCount(), plan.size());
    result("latency_p50", p50, "us");
    result("latency_p90", p90, "us");
    result("latency_p99", p99, "us");
    result("latency_max", max, "us");
  }

  private void result(String test, double value, String unit) {
    if (recorded) {
      out.println(new Result(label, test, value, unit).line());
    }
  }

  private void human(String format, Object... args) {
    out.println((recorded ? "" : "warm-up ") + String.format(Locale.ROOT, format, args));
  }

  private static double micros(long nanos) {
    return nanos / 1e3;
  }
}
