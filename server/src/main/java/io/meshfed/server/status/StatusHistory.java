package io.meshfed.server.status;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The times the federation status reports: since when each DC has had its verdict and each WAN
 * member its status, as this server first saw them. Nothing else keeps these (the WAN view holds
 * states, not when they began), so the status service observes on a timer as well as on each
 * request. In memory: a restarted server starts its times over.
 */
public final class StatusHistory {
  private record Seen(String what, Instant since) {}

  private final Map<String, Seen> verdicts = new HashMap<>();
  private final Map<String, Seen> members = new HashMap<>();

  /** Since when {@code dc} has had {@code verdict}: now if it just changed (or was never seen). */
  public synchronized Instant verdict(String dc, String verdict, Instant now) {
    return observe(verdicts, dc, verdict, now);
  }

  /** Since when WAN member {@code name} has had {@code status}. */
  public synchronized Instant member(String name, String status, Instant now) {
    return observe(members, name, status, now);
  }

  /** Forgets DCs no longer known, so that the map does not grow for ever. */
  public synchronized void retainVerdicts(Set<String> dcs) {
    verdicts.keySet().retainAll(dcs);
  }

  /** Forgets members no longer in the view, so that the map does not grow for ever. */
  public synchronized void retainMembers(Set<String> names) {
    members.keySet().retainAll(names);
  }

  private static Instant observe(Map<String, Seen> map, String key, String what, Instant now) {
    Seen seen = map.get(key);
    if (seen == null || !seen.what().equals(what)) {
      seen = new Seen(what, now);
      map.put(key, seen);
    }
    return seen.since();
  }
}
