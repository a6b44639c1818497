package io.meshfed.actors.federation;

/**
 * A secondary's last {@link ReplicaReport} as the primary heard it: when, and by which of its
 * servers. The value of {@link ReplicaLedger}'s replicated map, so it crosses the LAN (Jackson CBOR).
 *
 * @param heardAtMillis when the read arrived, ms since the epoch
 * @param heardBy the node name of the primary's server that served the read
 */
public record ReplicaProgress(ReplicaReport report, long heardAtMillis, String heardBy) {}
