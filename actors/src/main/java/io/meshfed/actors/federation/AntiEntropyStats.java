package io.meshfed.actors.federation;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What this server's federation-state anti-entropy has done, for metrics and the federation status:
 * written by the routine, read from any thread. One per server; it outlives the routine's instances.
 */
public final class AntiEntropyStats {
  private final AtomicLong pushes = new AtomicLong();
  private final AtomicReference<PushResult> lastPush = new AtomicReference<>();

  /**
   * How the last push ended.
   *
   * @param at when its answer came
   * @param error its error, or null when it was applied
   */
  public record PushResult(Instant at, String error) {}

  /**
   * Pushes of this DC's record since the server started (a counter): in a secondary each is one
   * internal RPC to the primary, in the primary a write to its own store.
   */
  public long pushes() {
    return pushes.get();
  }

  /** The last push's outcome; empty before the first has answered. */
  public Optional<PushResult> lastPush() {
    return Optional.ofNullable(lastPush.get());
  }

  void countPush() {
    pushes.incrementAndGet();
  }

  void pushEnded(Instant at, String error) {
    lastPush.set(new PushResult(at, error));
  }
}
