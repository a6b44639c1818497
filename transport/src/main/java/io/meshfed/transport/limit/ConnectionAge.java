package io.meshfed.transport.limit;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The maximum age of a pooled client connection (internal RPC, gossip packets), after gRPC's
 * MAX_CONNECTION_AGE but on the dialing side. Pools otherwise keep a busy connection forever, so a
 * connection spliced through a mesh gateway would pin that gateway: a gateway being replaced could
 * only wait for its connections or cut them. An aged connection leaves its pool, so the next use
 * dials wherever the routes point now, and closes once nothing is in flight on it.
 */
public final class ConnectionAge {
  /** Short enough that a draining gateway (30 s by default) sees its pooled connections go first. */
  public static final Duration DEFAULT_MAX = Duration.ofSeconds(20);
  /**
   * Each connection's age is drawn up to this fraction below the maximum, so that connections made
   * together (a server's start, a gateway's return) do not all dial again at the same moment.
   */
  static final double JITTER = 0.1;

  private ConnectionAge() {}

  /**
   * This connection's age in nanoseconds, within 10 % below {@code max}: taken off, never added, so
   * that {@code max} bounds how long any connection lives before it stops taking new work.
   */
  public static long drawNanos(Duration max) {
    long nanos = max.toNanos();
    return nanos - (long) (ThreadLocalRandom.current().nextDouble(JITTER) * nanos);
  }
}
