package io.meshfed.gateway.metrics;

import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one route, and its count of open connections, which is both the active gauge and what
 * the per-route cap is checked against, so the two cannot disagree.
 */
public final class RouteStats {
  private final Map<Outcome, LongAdder> outcomes = new EnumMap<>(Outcome.class);
  private final Map<Direction, LongAdder> bytes = new EnumMap<>(Direction.class);
  private final AtomicInteger active = new AtomicInteger();
  /** Admission to close of this route's connections; null for {@link GatewayMetrics#unrouted()}. */
  private final Timer durations;

  RouteStats(Timer durations) {
    this.durations = durations;
    for (Outcome outcome : Outcome.values()) {
      outcomes.put(outcome, new LongAdder());
    }
    for (Direction direction : Direction.values()) {
      bytes.put(direction, new LongAdder());
    }
  }

  public void count(Outcome outcome) {
    outcomes.get(outcome).increment();
  }

  public long total(Outcome outcome) {
    return outcomes.get(outcome).sum();
  }

  /** The byte counter of one direction; relays add to it directly. */
  public LongAdder bytes(Direction direction) {
    return bytes.get(direction);
  }

  /** Counts a connection as open unless {@code max} are; pair a true result with {@link #closed()}. */
  public boolean tryOpen(int max) {
    while (true) {
      int now = active.get();
      if (now >= max) {
        return false;
      }
      if (active.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  public void closed() {
    active.decrementAndGet();
  }

  /**
   * Closes a connection admitted at {@code admittedNanos} ({@link System#nanoTime}) and records how
   * long it was open: once per connection, a histogram bucket increment, nothing per byte.
   */
  public void closed(long admittedNanos) {
    active.decrementAndGet();
    if (durations != null) {
      durations.record(System.nanoTime() - admittedNanos, TimeUnit.NANOSECONDS);
    }
  }

  public int active() {
    return active.get();
  }
}
