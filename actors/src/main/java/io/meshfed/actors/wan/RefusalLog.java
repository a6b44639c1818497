package io.meshfed.actors.wan;

import io.meshfed.actors.wan.swim.SwimMembership;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refusals over protocol versions: one WARN line per peer and reason, repeated at most every
 * {@link #REPEAT_MS} while it lasts, since gossip brings the same refused member back every round.
 * Bounded: past {@link #MAX_PEERS} remembered lines the oldest are forgotten.
 */
final class RefusalLog implements SwimMembership.RefusalObserver {
  private static final Logger LOG = LoggerFactory.getLogger(WanMembership.class);
  static final long REPEAT_MS = 10 * 60 * 1000L;
  static final int MAX_PEERS = 256;

  private final LongSupplier clock;
  private final Map<String, Long> lastLogged = new HashMap<>();

  RefusalLog(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public void refused(String member, String address, String reason) {
    if (due("refused " + member + reason)) {
      LOG.warn("refusing WAN member {} at {}: {}", member, address, reason);
    }
  }

  @Override
  public void refusedBy(String peer, String reason) {
    if (due("refused by " + peer + reason)) {
      LOG.warn("the WAN refused this server (answer from {}): {}", peer, reason);
    }
  }

  private boolean due(String key) {
    long now = clock.getAsLong();
    Long last = lastLogged.get(key);
    if (last != null && now - last < REPEAT_MS) {
      return false;
    }
    if (last == null && lastLogged.size() >= MAX_PEERS) {
      lastLogged.entrySet().stream().min(Map.Entry.comparingByValue())
          .ifPresent(oldest -> lastLogged.remove(oldest.getKey()));
    }
    lastLogged.put(key, now);
    return true;
  }
}
