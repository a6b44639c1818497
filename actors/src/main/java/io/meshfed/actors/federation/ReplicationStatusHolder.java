package io.meshfed.actors.federation;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The latest {@link ReplicationStatus}, written by the replication routine and read from any
 * thread (operator API, metrics). One per server; it outlives the routine, so after leadership is
 * lost it shows {@code running = false} with the last outcome still visible.
 */
public final class ReplicationStatusHolder {
  private final AtomicReference<ReplicationStatus> status = new AtomicReference<>(ReplicationStatus.NOT_RUNNING);

  public ReplicationStatus get() {
    return status.get();
  }

  void update(UnaryOperator<ReplicationStatus> change) {
    status.updateAndGet(change);
  }
}
