package io.meshfed.actors.federation;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The latest {@link ReplicationStatus}, written by the replication routine and read from any
 * thread (operator API, metrics). One per server; it outlives the routine, so after leadership is
 * lost it shows {@code running = false} with the last outcome still visible.
 */
public final class ReplicationStatusHolder {
  private final AtomicReference<ReplicationStatus> status = new AtomicReference<>(ReplicationStatus.NOT_RUNNING);
  private final AtomicLong wedged = new AtomicLong();
  private final AtomicLong rounds = new AtomicLong();

  public ReplicationStatus get() {
    return status.get();
  }

  /** Instances of the routine the watchdog ended since this server started (a counter). */
  public long wedged() {
    return wedged.get();
  }

  /**
   * Reads of the primary's table this server's routine has sent since it started (a counter): one
   * internal RPC each, the load a secondary puts on the primary through replication.
   */
  public long rounds() {
    return rounds.get();
  }

  void countRound() {
    rounds.incrementAndGet();
  }

  void countWedged() {
    wedged.incrementAndGet();
  }

  void update(UnaryOperator<ReplicationStatus> change) {
    status.updateAndGet(change);
  }
}
