package io.meshfed.gateway.metrics;

import java.util.EnumMap;
import java.util.Map;
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

  RouteStats() {
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

  public int active() {
    return active.get();
  }
}
