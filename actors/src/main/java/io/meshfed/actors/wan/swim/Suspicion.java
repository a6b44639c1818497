package io.meshfed.actors.wan.swim;

import java.util.HashSet;
import java.util.Set;

/**
 * Lifeguard's suspicion timer (memberlist's suspicion.go): it starts long and shortens as other
 * members independently confirm the suspicion. A lone suspicion, which packet loss produces, runs
 * for {@code max} and leaves the member ample time to refute; a real failure is confirmed by every
 * prober within a probe round and ends after {@code min}, as plain SWIM would.
 */
final class Suspicion {
  private final long startedAt;
  private final long min;
  private final long max;
  /** Confirmations that bring the timeout down to {@code min}; 0 disables the acceleration. */
  private final int expected;
  private final Set<String> confirmers = new HashSet<>();

  /** @param from the member whose suspicion started the timer: its later repeats do not count */
  Suspicion(String from, long startedAt, long min, long max, int expected) {
    this.startedAt = startedAt;
    this.min = min;
    this.max = max;
    this.expected = expected;
    confirmers.add(from);
  }

  /** Counts {@code from}'s suspicion; true when it is a new confirmation, worth passing on. */
  boolean confirm(String from) {
    if (expected < 1 || confirmers.size() > expected) {
      return false;
    }
    return confirmers.add(from);
  }

  /**
   * memberlist's remainingSuspicionTime: {@code max − (max − min) · log(c + 1) / log(k + 1)},
   * never below {@code min}, counted from the start: c = confirmations so far, k = expected.
   */
  long deadline() {
    if (expected < 1) {
      return startedAt + min;
    }
    int confirmations = confirmers.size() - 1;
    double fraction = Math.log(confirmations + 1.0) / Math.log(expected + 1.0);
    long timeout = (long) Math.floor(max - fraction * (max - min));
    return startedAt + Math.max(min, timeout);
  }
}
