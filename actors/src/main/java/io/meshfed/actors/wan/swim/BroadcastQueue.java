package io.meshfed.actors.wan.swim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * memberlist's TransmitLimitedQueue: at most one pending update per member (a newer one replaces
 * it), handed out least-transmitted and newest first, and dropped after the retransmit limit.
 */
final class BroadcastQueue {
  private static final Comparator<Pending> ORDER =
      Comparator.comparingInt((Pending p) -> p.transmits).thenComparing(p -> -p.id);

  private final Map<String, Pending> byMember = new HashMap<>();
  private long nextId;

  void enqueue(MemberUpdate update) {
    byMember.put(update.name(), new Pending(update, nextId++));
  }

  boolean isEmpty() {
    return byMember.isEmpty();
  }

  int size() {
    return byMember.size();
  }

  /** Updates fitting in {@code byteBudget}; each counts as one transmission. */
  List<MemberUpdate> take(int byteBudget, int retransmitLimit) {
    List<Pending> candidates = new ArrayList<>(byMember.values());
    candidates.sort(ORDER);
    List<MemberUpdate> taken = new ArrayList<>();
    int used = 0;
    for (Pending p : candidates) {
      int size = p.update.estimatedSize();
      if (used + size > byteBudget) {
        continue; // a smaller update further down may still fit
      }
      used += size;
      taken.add(p.update);
      if (++p.transmits >= retransmitLimit) {
        byMember.remove(p.update.name());
      }
    }
    return taken;
  }

  private static final class Pending {
    final MemberUpdate update;
    final long id;
    int transmits;

    Pending(MemberUpdate update, long id) {
      this.update = update;
      this.id = id;
    }
  }
}
