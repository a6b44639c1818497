package io.meshfed.actors.federation;

import java.time.Duration;
import java.time.Instant;

/**
 * What federation-state replication on this server is doing, for the operator API and metrics
 * (Consul exposes {@code leader.replication.federation-state.status} and {@code .index} gauges).
 *
 * @param running whether the replication routine runs on this server (it is the secondary's leader)
 * @param lastSuccessAt end of the last round that fetched and applied the primary's list; null if none
 * @param lastErrorAt end of the last failed round; null if none since the routine started
 * @param lastError that round's error message; null if none
 * @param remoteIndex the primary's federation-state index replicated up to (0: a full sync is due)
 * @param consecutiveFailures failed rounds since the last success (0 when healthy)
 */
public record ReplicationStatus(
    boolean running, Instant lastSuccessAt, Instant lastErrorAt, String lastError, long remoteIndex,
    int consecutiveFailures) {

  public static final ReplicationStatus NOT_RUNNING = new ReplicationStatus(false, null, null, null, 0, 0);

  /** Healthy = running and the last round succeeded (Consul's status gauge 1). */
  public boolean healthy() {
    return running && lastSuccessAt != null && consecutiveFailures == 0;
  }

  /**
   * How long ago the last successful round ended, or null if none. Replication is a blocking
   * query, so a healthy secondary succeeds at least once per query wait (30 s by default); a
   * larger value means the route to the primary has been failing that long.
   */
  public Duration sinceLastSuccess(Instant now) {
    return lastSuccessAt == null ? null : Duration.between(lastSuccessAt, now);
  }

  ReplicationStatus succeeded(Instant at, long index) {
    return new ReplicationStatus(true, at, lastErrorAt, lastError, index, 0);
  }

  ReplicationStatus failed(Instant at, String error) {
    return new ReplicationStatus(true, lastSuccessAt, at, error, 0, consecutiveFailures + 1);
  }
}
