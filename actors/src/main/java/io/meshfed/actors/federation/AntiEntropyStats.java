package io.meshfed.actors.federation;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What this server's federation-state anti-entropy has done, for metrics: written by the routine,
 * read from any thread. One per server; it outlives the routine's instances.
 */
public final class AntiEntropyStats {
  private final AtomicLong pushes = new AtomicLong();

  /**
   * Pushes of this DC's record since the server started (a counter): in a secondary each is one
   * internal RPC to the primary, in the primary a write to its own store.
   */
  public long pushes() {
    return pushes.get();
  }

  void countPush() {
    pushes.incrementAndGet();
  }
}
