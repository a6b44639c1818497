package io.meshfed.actors.federation;

import java.util.List;

/**
 * What a secondary holds of the primary's own federation state, sent with every replication read
 * so that the primary can tell which DCs have its current gateways.
 *
 * @param datacenter the secondary DC
 * @param primaryStateIndex the primary's {@code ModifyIndex} of that record in the secondary's copy (0: no copy)
 * @param gateways the primary's gateways in that copy: where the secondary's gateways dial the primary
 */
public record ReplicaReport(String datacenter, long primaryStateIndex, List<GatewayRef> gateways) {
  /** Bounds what a report may carry: it arrives from another DC. */
  public static final int MAX_GATEWAYS = 256;

  public ReplicaReport {
    gateways = List.copyOf(gateways);
  }
}
