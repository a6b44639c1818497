package io.meshfed.bench;

import java.time.Duration;
import java.util.List;

/** What one run of the measurements against one target does, and with which sizes. */
record Plan(List<Test> tests, int connections, long totalBytes, long warmupBytes, int workers, Duration duration,
            Duration warmup, int size, int iterations, int warmupIterations) {
  enum Test { THROUGHPUT, CONN_RATE, LATENCY }
}
