package io.meshfed.transport.metrics;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Micrometer registry of one server or one gateway. Every instance has its own: tests run
 * several servers in one JVM and {@code meshfed colocate} runs several in one process, and the
 * global registry would mix their series. The hand-written families each process already served
 * stay as they were; {@link #scrape} is appended after them, so one scrape is one exposition
 * (the names differ, so no family appears twice).
 */
public final class Meters {
  /** Buckets for things measured in milliseconds to a second or so: RPCs, probes, replication rounds. */
  public static final Duration[] FAST = durations(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
      5, 10, 30);
  /** Buckets for things that last from milliseconds to hours: connections, propagation after an outage. */
  public static final Duration[] LONG = durations(0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** The log-event series registered here so far ({@link LogEvents#sync}). */
  private final Set<String> logEvents = ConcurrentHashMap.newKeySet();

  public Meters() {
    LogEvents.sync(registry, logEvents);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * A histogram timer with fixed buckets: a few series per label set, not Micrometer's ~70 default
   * ones, and no client-side percentiles (they cannot be aggregated over instances).
   */
  public Timer.Builder timer(String name, String help, Duration[] buckets) {
    return Timer.builder(name).description(help).serviceLevelObjectives(buckets)
        .minimumExpectedValue(buckets[0]).maximumExpectedValue(buckets[buckets.length - 1]);
  }

  /** The registry's families in Prometheus text format 0.0.4. */
  public String scrape() {
    LogEvents.sync(registry, logEvents);
    return registry.scrape();
  }

  private static Duration[] durations(double... seconds) {
    Duration[] out = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      out[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
    }
    return out;
  }
}
