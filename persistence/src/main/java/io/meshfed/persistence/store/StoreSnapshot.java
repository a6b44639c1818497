package io.meshfed.persistence.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshfed.persistence.store.StoreState.AclTable;
import io.meshfed.persistence.store.StoreState.CatalogNode;
import io.meshfed.persistence.store.journal.JournalAclPolicy;
import io.meshfed.persistence.store.journal.JournalAclToken;
import io.meshfed.persistence.store.journal.JournalCatalogNode;
import io.meshfed.persistence.store.journal.JournalFederationState;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.NodeService;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The store's state as the snapshot store keeps it: {@link StoreState} in the journal's records.
 * Snapshots written before it existed hold a serialized {@code StoreState} with the same JSON;
 * {@link StoreSnapshotMigration} reads them as this record.
 *
 * @param federationStates by lower-cased datacenter
 * @param nodes by lower-cased node name
 * @param aclIndex the index of the ACL table's last write; absent (0) in snapshots before ACLs were stored
 * @param aclBootstrapIndex where the ACL system was bootstrapped (0: not yet)
 * @param aclPolicies by name
 * @param aclTokens by accessor ID
 * @param decommissioned by lower-cased datacenter: the DC's name as given and when (ISO-8601); absent
 *     in snapshots before decommissions were stored
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record StoreSnapshot(
    @JsonProperty("index") long index,
    @JsonProperty("federationStatesIndex") long federationStatesIndex,
    @JsonProperty("catalogIndex") long catalogIndex,
    @JsonProperty("federationStates") Map<String, JournalFederationState> federationStates,
    @JsonProperty("nodes") Map<String, JournalCatalogNode> nodes,
    @JsonProperty("aclIndex") long aclIndex,
    @JsonProperty("aclBootstrapIndex") long aclBootstrapIndex,
    @JsonProperty("aclPolicies") Map<String, JournalAclPolicy> aclPolicies,
    @JsonProperty("aclTokens") Map<String, JournalAclToken> aclTokens,
    @JsonProperty("decommissioned") Map<String, io.meshfed.persistence.store.journal.JournalDecommission> decommissioned)
    implements StoreSerializable {


  static StoreSnapshot of(StoreState s) {
    Map<String, JournalFederationState> states = new TreeMap<>();
    s.federationStates().forEach((k, v) -> states.put(k, JournalRecords.toJournal(v)));
    Map<String, JournalCatalogNode> nodes = new TreeMap<>();
    s.nodes().forEach((k, n) -> nodes.put(k, new JournalCatalogNode(JournalRecords.toJournal(n.node()),
        map(n.services(), JournalRecords::toJournal), map(n.checks(), JournalRecords::toJournal))));
    AclTable acl = s.acl();
    return new StoreSnapshot(s.index(), s.federationStatesIndex(), s.catalogIndex(), states, nodes, acl.index(),
        acl.bootstrapIndex(), map(acl.policies(), JournalRecords::toJournal),
        map(acl.tokens(), JournalRecords::toJournal),
        map(s.decommissioned(), d -> new io.meshfed.persistence.store.journal.JournalDecommission(d.datacenter(), d.at().toString())));
  }

  StoreState toState() {
    Map<String, FederationState> states = new TreeMap<>();
    if (federationStates != null) {
      federationStates.forEach((k, v) -> states.put(k, JournalRecords.toModel(v)));
    }
    Map<String, CatalogNode> catalog = new TreeMap<>();
    if (nodes != null) {
      nodes.forEach((k, n) -> {
        Map<String, NodeService> services = map(n.services(), JournalRecords::toModel);
        Map<String, HealthCheck> checks = map(n.checks(), JournalRecords::toModel);
        catalog.put(k, new CatalogNode(JournalRecords.toModel(n.node()), services, checks));
      });
    }
    AclTable acl = new AclTable(aclIndex, aclBootstrapIndex, map(aclPolicies, JournalRecords::toModel),
        map(aclTokens, JournalRecords::toModel));
    return new StoreState(index, federationStatesIndex, catalogIndex, states, catalog, acl,
        map(decommissioned, d -> new DcStore.Decommissioned(d.datacenter(), java.time.Instant.parse(d.at()))));
  }

  private static <A, B> Map<String, B> map(Map<String, A> from, Function<A, B> convert) {
    Map<String, B> to = new TreeMap<>();
    if (from != null) {
      from.forEach((k, v) -> to.put(k, convert.apply(v)));
    }
    return to;
  }
}
