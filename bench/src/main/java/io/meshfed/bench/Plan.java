package io.meshfed.bench;

import java.time.Duration;
import java.util.List;

/** What one run of the measurements against one target does, and with which sizes. */
record Plan(List<Test> tests, int connections, long totalBytes, long warmupBytes, int workers, Duration duration,
            Duration warmup, int size, int iterations, int warmupIterations) {
  enum Test { THROUGHPUT, CONN_RATE, LATENCY }

  private static final long MIB = 1024 * 1024;
  private static final Duration SHORTEST = Duration.ofSeconds(1);

  /**
   * A quarter of everything, for the unrecorded round that JIT-compiles the client, the server and
   * a Java proxy before anything is measured.
   */
  Plan forWarmup() {
    Duration quarter = duration.dividedBy(4);
    return new Plan(tests, connections, Math.max(MIB, totalBytes / 4), 0, workers,
        quarter.compareTo(SHORTEST) < 0 ? SHORTEST : quarter, Duration.ZERO, size, Math.max(100, iterations / 4), 0);
  }
}
