package io.meshfed.server.acl;

import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one token may do: the rules of all its policies together, and the default policy for what
 * no rule names. Of two rules for the same resource name, {@code deny} wins, then the wider grant
 * ({@link Access#merge}); a name's exact rule wins over prefix rules, the longest prefix over
 * shorter ones (as Consul's radix-tree lookups).
 */
public final class Authorizer {
  /** ACLs off: everything is allowed. */
  public static final Authorizer ALLOW_ALL = of(List.of(), Access.WRITE);

  private final Access fallback;
  private final Optional<Access> operator;
  private final Optional<Access> acl;
  private final Map<String, Access> node = new HashMap<>();
  private final Map<String, Access> nodePrefix = new HashMap<>();
  private final Map<String, Access> service = new HashMap<>();
  private final Map<String, Access> servicePrefix = new HashMap<>();

  private Authorizer(List<Rules> policies, Access fallback) {
    this.fallback = fallback;
    Optional<Access> op = Optional.empty();
    Optional<Access> aclRule = Optional.empty();
    for (Rules r : policies) {
      op = merged(op, r.operator());
      aclRule = merged(aclRule, r.acl());
      r.node().forEach((k, v) -> node.merge(k, v, Access::merge));
      r.nodePrefix().forEach((k, v) -> nodePrefix.merge(k, v, Access::merge));
      r.service().forEach((k, v) -> service.merge(k, v, Access::merge));
      r.servicePrefix().forEach((k, v) -> servicePrefix.merge(k, v, Access::merge));
    }
    this.operator = op;
    this.acl = aclRule;
  }

  private static Optional<Access> merged(Optional<Access> so, Optional<Access> rule) {
    return rule.isEmpty() ? so : Optional.of(so.map(a -> Access.merge(a, rule.get())).orElse(rule.get()));
  }

  /** @param fallback what applies where no rule does: {@code DENY} or {@code WRITE} (acl.default-policy) */
  public static Authorizer of(List<Rules> policies, Access fallback) {
    return new Authorizer(policies, fallback);
  }

  public boolean operator(Access needed) {
    return operator.orElse(fallback).allows(needed);
  }

  /** Managing ACL tokens and policies: only a rule grants it, never the default policy. */
  public boolean acl(Access needed) {
    return acl.map(a -> a.allows(needed)).orElse(false);
  }

  public boolean node(String name, Access needed) {
    return lookup(name, node, nodePrefix).allows(needed);
  }

  public boolean service(String name, Access needed) {
    return lookup(name, service, servicePrefix).allows(needed);
  }

  /**
   * Whether some call could pass with {@code needed}: lets an API refuse a call before it reads
   * its body when the token can do nothing of the kind anywhere.
   */
  public boolean mayDo(Access needed) {
    return fallback.allows(needed) || operator.map(a -> a.allows(needed)).orElse(false) || acl(needed)
        || List.of(node, nodePrefix, service, servicePrefix).stream()
            .anyMatch(m -> m.values().stream().anyMatch(a -> a.allows(needed)));
  }

  /** Whether this token may see a catalog entry: node:read on its node and service:read on its service. */
  public boolean canRead(CheckServiceNode entry) {
    return node(entry.node().node(), Access.READ)
        && (entry.service() == null || service(entry.service().service(), Access.READ));
  }

  /** The gateways this token may see, by DC; a DC left with none is left out. */
  public DcStore.MeshGatewaysResult filterGateways(DcStore.QueryResult<Map<String, List<CheckServiceNode>>> r) {
    Map<String, List<CheckServiceNode>> kept = new TreeMap<>();
    boolean filtered = r.filteredByAcls();
    for (var e : r.value().entrySet()) {
      List<CheckServiceNode> visible = e.getValue().stream().filter(this::canRead).toList();
      filtered |= visible.size() != e.getValue().size();
      if (!visible.isEmpty()) {
        kept.put(e.getKey(), visible);
      }
    }
    return new DcStore.MeshGatewaysResult(r.index(), kept, filtered);
  }

  /** The service instances this token may see. */
  public DcStore.ServicesResult filterServices(DcStore.QueryResult<List<CheckServiceNode>> r) {
    List<CheckServiceNode> visible = r.value().stream().filter(this::canRead).toList();
    return new DcStore.ServicesResult(r.index(), visible, r.filteredByAcls() || visible.size() != r.value().size());
  }

  private Access lookup(String name, Map<String, Access> exact, Map<String, Access> prefixes) {
    Access found = exact.get(name);
    if (found != null) {
      return found;
    }
    String longest = null;
    for (String p : prefixes.keySet()) {
      if (name.startsWith(p) && (longest == null || p.length() > longest.length())) {
        longest = p;
      }
    }
    return longest == null ? fallback : prefixes.get(longest);
  }
}
