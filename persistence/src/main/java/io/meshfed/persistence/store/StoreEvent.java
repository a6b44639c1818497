package io.meshfed.persistence.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshfed.persistence.store.journal.JournalAclPolicy;
import io.meshfed.persistence.store.journal.JournalAclToken;
import io.meshfed.persistence.store.journal.JournalCheck;
import io.meshfed.persistence.store.journal.JournalFederationState;
import io.meshfed.persistence.store.journal.JournalNode;
import io.meshfed.persistence.store.journal.JournalService;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import java.util.List;

/**
 * What the store journals. Each event carries everything its effect depends on (the upsert carries
 * the UpdatedAt chosen by the command handler), so replaying the journal rebuilds the same state and
 * indexes; the indexes themselves are derived from the event's position.
 *
 * <p>These records and the records they carry ({@code io.meshfed.persistence.store.journal}) are the
 * journal's format, not the API's: events are built from API records with the {@code of} factories
 * and turned back into them when applied. Their class names are the manifests of journaled entries
 * and their JSON names the fields: neither may change without a migration (see docs/journal.md).
 */
sealed interface StoreEvent extends StoreSerializable {

  /** The state after this event: what the store had, changed as the event says. */
  StoreState applyTo(StoreState state);

  /** A federation state as written; its indexes are assigned when it is applied. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record FederationStateUpserted(@JsonProperty("state") JournalFederationState state) implements StoreEvent {

    static FederationStateUpserted of(FederationState state) {
      return new FederationStateUpserted(JournalRecords.toJournal(state));
    }

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withFederationState(JournalRecords.toModel(state));
    }
  }

  /** The state of {@code datacenter} (present when journaled) was removed. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record FederationStateDeleted(@JsonProperty("datacenter") String datacenter) implements StoreEvent {

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withoutFederationState(datacenter);
    }
  }

  /**
   * {@code datacenter} was decommissioned at {@code at} (ISO-8601): its federation state, if any,
   * is deleted in the same write, and upserts of it are refused until it is recommissioned.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record DatacenterDecommissioned(@JsonProperty("datacenter") String datacenter, @JsonProperty("at") String at)
      implements StoreEvent {

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withDecommission(new DcStore.Decommissioned(datacenter, java.time.Instant.parse(at)));
    }
  }

  /** The decommission of {@code datacenter} was lifted. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record DatacenterRecommissioned(@JsonProperty("datacenter") String datacenter) implements StoreEvent {

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withoutDecommission(datacenter);
    }
  }

  /** A validated registration; every check already names {@code node}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record CatalogRegistered(
      @JsonProperty("node") JournalNode node,
      @JsonProperty("service") JournalService service,
      @JsonProperty("checks") List<JournalCheck> checks)
      implements StoreEvent {

    public CatalogRegistered {
      checks = checks == null ? List.of() : List.copyOf(checks);
    }

    static CatalogRegistered of(Node node, NodeService service, List<HealthCheck> checks) {
      return new CatalogRegistered(JournalRecords.toJournal(node), JournalRecords.toJournal(service),
          JournalRecords.checksToJournal(checks));
    }

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withCatalog(s.registered(JournalRecords.toModel(node), JournalRecords.toModel(service),
          JournalRecords.checksToModel(checks)));
    }
  }

  /** A check, a service with its checks, or a whole node was removed. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record CatalogDeregistered(
      @JsonProperty("node") String node,
      @JsonProperty("serviceId") String serviceId,
      @JsonProperty("checkId") String checkId)
      implements StoreEvent {

    public CatalogDeregistered {
      serviceId = serviceId == null ? "" : serviceId;
      checkId = checkId == null ? "" : checkId;
    }

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withCatalog(s.deregistered(node, serviceId, checkId));
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record CheckUpdated(
      @JsonProperty("node") String node,
      @JsonProperty("checkId") String checkId,
      @JsonProperty("status") String status,
      @JsonProperty("output") String output)
      implements StoreEvent {

    public CheckUpdated {
      output = output == null ? "" : output;
    }

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withCatalog(s.checkUpdated(node, checkId, status, output));
    }
  }

  /** An ACL policy as written; its indexes are assigned when it is applied. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record AclPolicyUpserted(@JsonProperty("policy") JournalAclPolicy policy) implements StoreEvent {

    static AclPolicyUpserted of(AclPolicy policy) {
      return new AclPolicyUpserted(JournalRecords.toJournal(policy));
    }

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withAclPolicy(JournalRecords.toModel(policy));
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record AclPolicyDeleted(@JsonProperty("name") String name) implements StoreEvent {

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withoutAclPolicy(name);
    }
  }

  /**
   * An ACL token as written (the hash of its secret only); its indexes are assigned when it is
   * applied. {@code bootstrap}: the token the ACL bootstrap made, which marks the system bootstrapped.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record AclTokenUpserted(@JsonProperty("token") JournalAclToken token, @JsonProperty("bootstrap") boolean bootstrap)
      implements StoreEvent {

    static AclTokenUpserted of(AclToken token, boolean bootstrap) {
      return new AclTokenUpserted(JournalRecords.toJournal(token), bootstrap);
    }

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withAclToken(JournalRecords.toModel(token), bootstrap);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record AclTokenDeleted(@JsonProperty("accessorId") String accessorId) implements StoreEvent {

    @Override
    public StoreState applyTo(StoreState s) {
      return s.withoutAclToken(accessorId);
    }
  }

  /**
   * The whole state was replaced by a snapshot's ({@code meshfed snapshot restore}); the snapshot's
   * records keep their indexes, and every table is written at the index after the store's and the
   * snapshot's (see {@link StoreState#restoredFrom}).
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record StoreRestored(@JsonProperty("snapshot") StoreSnapshot snapshot) implements StoreEvent {

    @Override
    public StoreState applyTo(StoreState s) {
      return s.restoredFrom(snapshot.toState());
    }
  }
}
