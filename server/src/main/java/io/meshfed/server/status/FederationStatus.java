package io.meshfed.server.status;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/operator/federation}: each DC's verdict as one server sees it, with what it was
 * judged from. Field names are the API's (docs/http-api.md); times are RFC 3339, null when unknown.
 *
 * @param node the answering server
 * @param at when it was judged
 */
public record FederationStatus(
    @JsonProperty("Node") String node,
    @JsonProperty("Datacenter") String datacenter,
    @JsonProperty("Primary") String primary,
    @JsonProperty("At") Instant at,
    @JsonProperty("Datacenters") List<Dc> datacenters,
    @JsonProperty("Local") Local local) {

  /**
   * One DC.
   *
   * @param verdict healthy, degraded or unreachable
   * @param since when the answering server first saw this verdict (its start at the earliest)
   * @param path null for the answering server's own DC
   * @param federationState null when the DC has none in the answering server's store
   * @param replica the primary's record of this DC's replication reads; null outside the primary
   */
  public record Dc(
      @JsonProperty("Datacenter") String datacenter,
      @JsonProperty("Verdict") String verdict,
      @JsonProperty("Since") Instant since,
      @JsonProperty("Reasons") List<String> reasons,
      @JsonProperty("Servers") Servers servers,
      @JsonProperty("Path") Path path,
      @JsonProperty("FederationState") State federationState,
      @JsonProperty("Replica") Replica replica) {}

  /** The DC's servers in the answering server's WAN view, by status; suspects are counted apart from alive. */
  public record Servers(
      @JsonProperty("Alive") int alive,
      @JsonProperty("Suspect") int suspect,
      @JsonProperty("Failed") int failed,
      @JsonProperty("Left") int left,
      @JsonProperty("Members") List<Member> members) {}

  /** @param since when the answering server first saw it in this status */
  public record Member(
      @JsonProperty("Name") String name,
      @JsonProperty("Status") String status,
      @JsonProperty("Since") Instant since) {}

  /** @param via local-gateways, primary-gateways, static-gateways or none */
  public record Path(
      @JsonProperty("Via") String via,
      @JsonProperty("Gateways") List<Gateway> gateways) {}

  /** @param probe passing, failing or not-probed; {@code error} the failing probe's reason, else "" */
  public record Gateway(
      @JsonProperty("Address") String address,
      @JsonProperty("Probe") String probe,
      @JsonProperty("Error") String error) {}

  public record State(
      @JsonProperty("MeshGateways") int meshGateways,
      @JsonProperty("UpdatedAt") Instant updatedAt) {}

  /** @param status current, behind or unknown (decision 0018) */
  public record Replica(
      @JsonProperty("Status") String status,
      @JsonProperty("LastRead") Instant lastRead,
      @JsonProperty("Reason") String reason) {}

  /**
   * The answering server's own DC.
   *
   * @param leader the leader's node, "" when none answered
   * @param leaderError why the leader's routines could not be read, "" when they were
   * @param replication null in the primary, or when the leader runs none
   * @param antiEntropy null before the leader's first push answered
   * @param certificate null without TLS
   */
  public record Local(
      @JsonProperty("Leader") String leader,
      @JsonProperty("LeaderError") String leaderError,
      @JsonProperty("FeatureBarrier") Barrier featureBarrier,
      @JsonProperty("Replication") Replication replication,
      @JsonProperty("AntiEntropy") AntiEntropy antiEntropy,
      @JsonProperty("Certificate") Certificate certificate) {}

  /** @param reason why it is closed, "" when open */
  public record Barrier(
      @JsonProperty("Open") boolean open,
      @JsonProperty("Reason") String reason) {}

  public record Replication(
      @JsonProperty("Healthy") boolean healthy,
      @JsonProperty("RemoteIndex") long remoteIndex,
      @JsonProperty("ConsecutiveFailures") int consecutiveFailures,
      @JsonProperty("LastSuccess") Instant lastSuccess,
      @JsonProperty("LastErrorAt") Instant lastErrorAt,
      @JsonProperty("LastError") String lastError,
      @JsonProperty("WedgedRestarts") long wedgedRestarts) {}

  /** @param lastPushResult "ok" or the error */
  public record AntiEntropy(
      @JsonProperty("LastPushAt") Instant lastPushAt,
      @JsonProperty("LastPushResult") String lastPushResult) {}

  /** @param daysLeft whole days until it expires, negative once it has */
  public record Certificate(
      @JsonProperty("Subject") String subject,
      @JsonProperty("NotAfter") Instant notAfter,
      @JsonProperty("DaysLeft") long daysLeft) {}
}
