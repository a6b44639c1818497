package io.meshfed.persistence.store;

import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.names.Names;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The store's state. Immutable: the snapshot store serializes it (as a {@link StoreSnapshot}, in the
 * journal's records) while the actor goes on, so every change returns a new value sharing the
 * untouched parts.
 *
 * @param index the store index: the number of writes that changed something
 * @param federationStatesIndex the index of the last write to the federation-states table
 * @param catalogIndex the index of the last write to the catalog (nodes, services, checks)
 * @param federationStates by lower-cased datacenter
 * @param nodes by lower-cased node name
 * @param acl the ACL policies and tokens, with the index of their last write
 * @param decommissioned by lower-cased datacenter: DCs whose federation state is refused until recommissioned
 */
record StoreState(
    long index,
    long federationStatesIndex,
    long catalogIndex,
    Map<String, FederationState> federationStates,
    Map<String, CatalogNode> nodes,
    AclTable acl,
    Map<String, DcStore.Decommissioned> decommissioned) {

  private static final Class<?> UNMODIFIABLE_SORTED = Collections.unmodifiableSortedMap(new TreeMap<>()).getClass();

  /**
   * The store index starts at 1 and tables at 0: an empty table reports index 1 (never 0, like
   * Consul), so the first write must produce 2, or a reader blocked at 1 would never see it.
   */
  static final StoreState EMPTY = new StoreState(1, 0, 0, Map.of(), Map.of(), AclTable.EMPTY, Map.of());

  private static final Comparator<CheckServiceNode> BY_NODE_THEN_SERVICE =
      Comparator.comparing((CheckServiceNode c) -> c.node().node())
          .thenComparing(c -> c.service().id());

  StoreState {
    federationStates = sorted(federationStates);
    nodes = sorted(nodes);
    acl = acl == null ? AclTable.EMPTY : acl;
    decommissioned = sorted(decommissioned);
  }

  /**
   * The ACL table.
   *
   * @param index the store index of its last write (0: never written)
   * @param bootstrapIndex the store index of the ACL bootstrap (0: not bootstrapped)
   * @param policies by name
   * @param tokens by accessor ID
   */
  record AclTable(long index, long bootstrapIndex, Map<String, AclPolicy> policies, Map<String, AclToken> tokens) {
    static final AclTable EMPTY = new AclTable(0, 0, Map.of(), Map.of());

    AclTable {
      policies = sorted(policies);
      tokens = sorted(tokens);
    }

    AclEntries entries() {
      return new AclEntries(bootstrapIndex, List.copyOf(policies.values()), List.copyOf(tokens.values()));
    }
  }

  /**
   * The state a restore leaves: the snapshot's records as they were, every table written at the
   * index after both this state's and the snapshot's, so that the index never goes back on a store
   * that had more writes than the snapshot, and readers blocked at the snapshot's index wake up.
   */
  StoreState restoredFrom(StoreState snapshot) {
    long next = Math.max(index, snapshot.index()) + 1;
    AclTable a = snapshot.acl();
    return new StoreState(next, next, next, snapshot.federationStates(), snapshot.nodes(),
        new AclTable(next, a.bootstrapIndex(), a.policies(), a.tokens()), snapshot.decommissioned());
  }

  /** One node with its services (by id) and checks (by check id). */
  record CatalogNode(Node node, Map<String, NodeService> services, Map<String, HealthCheck> checks) {

    CatalogNode {
      services = sorted(services);
      checks = sorted(checks);
    }

    /** One of its services as reads list it: with the node, its node-level checks, then the service's. */
    CheckServiceNode instance(NodeService service) {
      List<HealthCheck> of = new ArrayList<>();
      for (HealthCheck c : checks.values()) {
        if (c.serviceId().isEmpty()) {
          of.add(c);
        }
      }
      for (HealthCheck c : checks.values()) {
        if (c.serviceId().equals(service.id())) {
          of.add(c);
        }
      }
      return new CheckServiceNode(node, service, of);
    }

    /**
     * What the node adds to the catalog's encoded size: its service instances as a list answer
     * carries them, or, without services, the node and its checks, which no answer lists but the
     * store keeps all the same.
     */
    long encodedSize() {
      if (services.isEmpty()) {
        return ProtoConvert.listedSize(new CheckServiceNode(node, null, List.copyOf(checks.values())));
      }
      long size = 0;
      for (NodeService s : services.values()) {
        size += ProtoConvert.listedSize(instance(s));
      }
      return size;
    }
  }

  static String nodeKey(String node) {
    return node.toLowerCase(Locale.ROOT);
  }

  // ---- federation states ----

  FederationState federationState(String datacenter) {
    return federationStates.get(Names.datacenterKey(datacenter));
  }

  List<FederationState> federationStateList() {
    List<FederationState> all = new ArrayList<>(federationStates.values());
    all.sort(Comparator.comparing(FederationState::datacenter));
    return Collections.unmodifiableList(all);
  }

  Map<String, List<CheckServiceNode>> meshGateways() {
    Map<String, List<CheckServiceNode>> byDc = new TreeMap<>();
    for (FederationState fs : federationStates.values()) {
      if (!fs.meshGateways().isEmpty()) {
        byDc.put(fs.datacenter(), fs.meshGateways());
      }
    }
    return Collections.unmodifiableMap(byDc);
  }

  /**
   * Upserts at the next index: an existing record keeps its CreateIndex, and a PrimaryModifyIndex
   * of 0 means "written in the primary", so it becomes the new index.
   */
  StoreState withFederationState(FederationState state) {
    long idx = index + 1;
    String key = Names.datacenterKey(state.datacenter());
    FederationState existing = federationStates.get(key);
    long create = existing == null ? idx : existing.createIndex();
    long primary = state.primaryModifyIndex() == 0 ? idx : state.primaryModifyIndex();
    Map<String, FederationState> next = new TreeMap<>(federationStates);
    next.put(key, state.withIndexes(primary, create, idx));
    return new StoreState(idx, idx, catalogIndex, next, nodes, acl, decommissioned);
  }

  StoreState withoutFederationState(String datacenter) {
    long idx = index + 1;
    Map<String, FederationState> next = new TreeMap<>(federationStates);
    next.remove(Names.datacenterKey(datacenter));
    return new StoreState(idx, idx, catalogIndex, next, nodes, acl, decommissioned);
  }

  /** The decommission of {@code datacenter}, or null. */
  DcStore.Decommissioned decommission(String datacenter) {
    return decommissioned.get(Names.datacenterKey(datacenter));
  }

  /**
   * Removes the DC's federation state (if any) and marks it decommissioned, in one write. The
   * federation-states table changes only if there was a state: its readers wake for a deletion.
   */
  StoreState withDecommission(DcStore.Decommissioned d) {
    long idx = index + 1;
    String key = Names.datacenterKey(d.datacenter());
    Map<String, FederationState> states = federationStates;
    long statesIndex = federationStatesIndex;
    if (federationStates.containsKey(key)) {
      states = new TreeMap<>(federationStates);
      states.remove(key);
      statesIndex = idx;
    }
    Map<String, DcStore.Decommissioned> next = new TreeMap<>(decommissioned);
    next.put(key, d);
    return new StoreState(idx, statesIndex, catalogIndex, states, nodes, acl, next);
  }

  StoreState withoutDecommission(String datacenter) {
    Map<String, DcStore.Decommissioned> next = new TreeMap<>(decommissioned);
    next.remove(Names.datacenterKey(datacenter));
    return new StoreState(index + 1, federationStatesIndex, catalogIndex, federationStates, nodes, acl, next);
  }

  // ---- catalog ----

  CatalogNode node(String name) {
    return nodes.get(nodeKey(name));
  }

  /**
   * Service instances with their node and checks (node-level first, then the service's), sorted
   * by node name then service id. {@code kind} wins over {@code name}; both empty means all.
   */
  List<CheckServiceNode> services(String name, String kind) {
    return services(nodes, name, kind);
  }

  /** {@link #services(String, String)} of a catalog that is not (yet) a state's. */
  static List<CheckServiceNode> services(Map<String, CatalogNode> nodes, String name, String kind) {
    List<CheckServiceNode> found = new ArrayList<>();
    for (CatalogNode n : nodes.values()) {
      for (NodeService s : n.services().values()) {
        boolean match = !kind.isEmpty() ? kind.equals(s.kind())
            : name.isEmpty() || name.equals(s.service());
        if (match) {
          found.add(n.instance(s));
        }
      }
    }
    found.sort(BY_NODE_THEN_SERVICE);
    return Collections.unmodifiableList(found);
  }

  /**
   * The catalog after a registration: the node's fields are replaced, its other services and
   * checks stay. Checks of a service take its name, as Consul's ensureCheckTxn does.
   */
  Map<String, CatalogNode> registered(Node node, NodeService service, List<HealthCheck> checks) {
    CatalogNode existing = node(node.node());
    Map<String, NodeService> services = new TreeMap<>(existing == null ? Map.of() : existing.services());
    Map<String, HealthCheck> nodeChecks = new TreeMap<>(existing == null ? Map.of() : existing.checks());
    if (service != null) {
      services.put(service.id(), service);
    }
    for (HealthCheck c : checks) {
      HealthCheck check = c;
      NodeService of = c.serviceId().isEmpty() ? null : services.get(c.serviceId());
      if (of != null) {
        check = c.withServiceName(of.service());
      }
      nodeChecks.put(check.checkId(), check);
    }
    return withNode(node.node(), new CatalogNode(node, services, nodeChecks));
  }

  /** The catalog without a check, a service and its checks, or a node; unchanged if absent. */
  Map<String, CatalogNode> deregistered(String node, String serviceId, String checkId) {
    CatalogNode existing = node(node);
    if (existing == null) {
      return nodes;
    }
    if (!checkId.isEmpty()) {
      Map<String, HealthCheck> checks = new TreeMap<>(existing.checks());
      checks.remove(checkId);
      return withNode(node, new CatalogNode(existing.node(), existing.services(), checks));
    }
    if (!serviceId.isEmpty()) {
      Map<String, NodeService> services = new TreeMap<>(existing.services());
      services.remove(serviceId);
      Map<String, HealthCheck> checks = new TreeMap<>(existing.checks());
      checks.values().removeIf(c -> c.serviceId().equals(serviceId));
      return withNode(node, new CatalogNode(existing.node(), services, checks));
    }
    Map<String, CatalogNode> next = new TreeMap<>(nodes);
    next.remove(nodeKey(node));
    return next;
  }

  /** The catalog with one existing check's status and output replaced. */
  Map<String, CatalogNode> checkUpdated(String node, String checkId, String status, String output) {
    CatalogNode existing = node(node);
    Map<String, HealthCheck> checks = new TreeMap<>(existing.checks());
    checks.put(checkId, existing.checks().get(checkId).withStatus(status, output));
    return withNode(node, new CatalogNode(existing.node(), existing.services(), checks));
  }

  /** This state with {@code catalog} written at the next index. */
  StoreState withCatalog(Map<String, CatalogNode> catalog) {
    long idx = index + 1;
    return new StoreState(idx, federationStatesIndex, idx, federationStates, catalog, acl, decommissioned);
  }

  // ---- ACL ----

  /** Upserts a policy at the next index; an existing one keeps its CreateIndex. */
  StoreState withAclPolicy(AclPolicy policy) {
    long idx = index + 1;
    AclPolicy existing = acl.policies().get(policy.name());
    Map<String, AclPolicy> next = new TreeMap<>(acl.policies());
    next.put(policy.name(), policy.withIndexes(existing == null ? idx : existing.createIndex(), idx));
    return withAcl(idx, new AclTable(idx, acl.bootstrapIndex(), next, acl.tokens()));
  }

  StoreState withoutAclPolicy(String name) {
    long idx = index + 1;
    Map<String, AclPolicy> next = new TreeMap<>(acl.policies());
    next.remove(name);
    return withAcl(idx, new AclTable(idx, acl.bootstrapIndex(), next, acl.tokens()));
  }

  /** Upserts a token at the next index; {@code bootstrap} also marks the ACL system bootstrapped there. */
  StoreState withAclToken(AclToken token, boolean bootstrap) {
    long idx = index + 1;
    AclToken existing = acl.tokens().get(token.accessorId());
    Map<String, AclToken> next = new TreeMap<>(acl.tokens());
    next.put(token.accessorId(), token.withIndexes(existing == null ? idx : existing.createIndex(), idx));
    return withAcl(idx, new AclTable(idx, bootstrap ? idx : acl.bootstrapIndex(), acl.policies(), next));
  }

  StoreState withoutAclToken(String accessorId) {
    long idx = index + 1;
    Map<String, AclToken> next = new TreeMap<>(acl.tokens());
    next.remove(accessorId);
    return withAcl(idx, new AclTable(idx, acl.bootstrapIndex(), acl.policies(), next));
  }

  private StoreState withAcl(long idx, AclTable table) {
    return new StoreState(idx, federationStatesIndex, catalogIndex, federationStates, nodes, table, decommissioned);
  }

  private Map<String, CatalogNode> withNode(String name, CatalogNode node) {
    Map<String, CatalogNode> next = new TreeMap<>(nodes);
    next.put(nodeKey(name), node);
    return next;
  }

  /**
   * An unmodifiable copy in key order. A table that already is one is kept as it is, so that a
   * write to one table leaves the other the same object: the store measures its tables' sizes by
   * identity ({@link TableSize}), and copying every table on every write costs for nothing.
   */
  private static <V> Map<String, V> sorted(Map<String, V> m) {
    if (m == null || m.isEmpty()) {
      return Map.of();
    }
    if (m.getClass() == UNMODIFIABLE_SORTED && ((SortedMap<String, V>) m).comparator() == null) {
      return m;
    }
    return Collections.unmodifiableSortedMap(new TreeMap<>(m));
  }
}
