package io.meshfed.server.endpoint;

import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.actors.federation.AntiEntropyStats;
import io.meshfed.actors.federation.ReplicationStatus;
import io.meshfed.actors.federation.ReplicationStatusHolder;
import io.meshfed.actors.locator.GatewayLocatorView;
import io.meshfed.actors.wan.WanRouter;
import io.meshfed.actors.wan.swim.Member;
import io.meshfed.actors.wan.swim.MemberState;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * What this one server is doing about federation, for operators: the gateway locator's current
 * decisions, and Prometheus gauges (Consul's {@code leader.replication.federation-state.*} and
 * more). Consul users had to infer these from log lines; here they can be read.
 */
public final class AgentEndpoint {
  private final Acl acl;
  private final GatewayLocatorView locator;
  private final ReplicationStatusHolder replication;
  private final ReplicationStatusHolder aclReplication;
  private final AntiEntropyStats antiEntropy;
  private final BooleanSupplier federationStatesEnabled;
  private final WanRouter wan;
  private final Reload reload;

  /** What {@code PUT /v1/agent/reload} puts in force again. */
  @FunctionalInterface
  public interface Reload {
    /**
     * @return one line per part reloaded
     * @throws io.meshfed.protocol.errors.ApiException the reason a part was refused; nothing changed then
     */
    List<String> reload();
  }

  /**
   * @param replication the federation states' replication in this server
   * @param aclReplication the ACL table's
   * @param antiEntropy federation-state anti-entropy's counts in this server
   * @param reload what {@code PUT /v1/agent/reload} does
   */
  public AgentEndpoint(Acl acl, GatewayLocatorView locator, ReplicationStatusHolder replication,
      ReplicationStatusHolder aclReplication, AntiEntropyStats antiEntropy, BooleanSupplier federationStatesEnabled,
      WanRouter wan, Reload reload) {
    this.acl = acl;
    this.locator = locator;
    this.replication = replication;
    this.aclReplication = aclReplication;
    this.antiEntropy = antiEntropy;
    this.federationStatesEnabled = federationStatesEnabled;
    this.wan = wan;
    this.reload = reload;
  }

  /** Reloads what can change without a restart; needs {@code operator:write}. */
  public List<String> reload(String token) {
    acl.operator(token, Access.WRITE);
    return reload.reload();
  }

  public GatewayLocatorView.Snapshot gatewayLocator(String token) {
    acl.operator(token, Access.READ);
    return locator.snapshot();
  }

  /** The gauges in Prometheus text exposition format 0.0.4. */
  public String metrics(String token) {
    acl.operator(token, Access.READ);
    StringBuilder out = new StringBuilder();
    ReplicationStatus r = replication.get();
    gauge(out, "meshfed_federation_state_replication_running",
        "1 while this server runs federation-state replication (it leads a secondary DC)", bool(r.running()));
    gauge(out, "meshfed_federation_state_replication_status",
        "1 when the last replication round succeeded (Consul's leader.replication.federation-state.status)",
        bool(r.healthy()));
    gauge(out, "meshfed_federation_state_replication_index",
        "the primary's federation-state index replicated up to", r.remoteIndex());
    gauge(out, "meshfed_federation_state_replication_consecutive_failures",
        "failed replication rounds since the last success", r.consecutiveFailures());
    gauge(out, "meshfed_federation_state_replication_last_success_timestamp_seconds",
        "when the last replication round succeeded, 0 if never",
        r.lastSuccessAt() == null ? 0 : r.lastSuccessAt().toEpochMilli() / 1000.0);
    header(out, "meshfed_federation_state_replication_rounds_total", "counter", "reads of the primary's federation"
        + " states this server's replication sent (each one internal RPC to the primary; many changes made while"
        + " one waits share the next)");
    sample(out, "meshfed_federation_state_replication_rounds_total", replication.rounds());
    header(out, "meshfed_federation_state_anti_entropy_pushes_total", "counter", "pushes of this datacenter's"
        + " federation state by this server's anti-entropy (in a secondary each is one internal RPC to the primary,"
        + " in the primary a local write; changes made while one waits share the next)");
    sample(out, "meshfed_federation_state_anti_entropy_pushes_total", antiEntropy.pushes());
    header(out, "meshfed_replication_wedged_total", "counter", "instances of a replication routine its watchdog"
        + " ended because a step never answered (each was restarted), by replicated table");
    sample(out, "meshfed_replication_wedged_total{table=\"federation-states\"}", replication.wedged());
    sample(out, "meshfed_replication_wedged_total{table=\"acl\"}", aclReplication.wedged());
    gauge(out, "meshfed_federation_states_enabled",
        "1 once the feature barrier has opened (every server of this DC and of the primary supports it)",
        bool(federationStatesEnabled.getAsBoolean()));
    GatewayLocatorView.Snapshot l = locator.snapshot();
    gauge(out, "meshfed_gateway_locator_populated", "1 once the locator has read the local store", bool(l.populated()));
    gauge(out, "meshfed_gateway_locator_dial_primary_through_local",
        "1 while the primary is dialed through this DC's own gateways", bool(l.dialPrimaryThroughLocal()));
    header(out, "meshfed_gateway_locator_gateways", "gateways the locator knows, by list");
    sample(out, "meshfed_gateway_locator_gateways{list=\"local\"}", l.local().size());
    sample(out, "meshfed_gateway_locator_gateways{list=\"primary\"}", l.primary().size());
    sample(out, "meshfed_gateway_locator_gateways{list=\"fallback\"}", l.fallback().size());
    gauge(out, "meshfed_gateway_locator_failing_gateways", "known gateways whose last probe failed", l.failing().size());
    Map<String, Integer> members = new TreeMap<>();
    for (Member m : wan.members()) {
      members.merge("datacenter=\"" + m.datacenter() + "\",status=\"" + WanRouter.status(m) + "\"", 1, Integer::sum);
    }
    header(out, "meshfed_wan_members", "WAN members in this server's view, by datacenter and status");
    members.forEach((labels, n) -> sample(out, "meshfed_wan_members{" + labels + "}", n));
    Map<String, Boolean> reachable = new TreeMap<>();
    for (Member m : wan.members()) {
      reachable.merge(m.datacenter(), WanRouter.ALIVE.equals(WanRouter.status(m)), Boolean::logicalOr);
    }
    header(out, "meshfed_wan_datacenter_reachable", "1 while a datacenter in this server's WAN view has a server"
        + " alive (suspects included: still routed to), 0 when every one it knows has failed or left");
    reachable.forEach((dc, up) -> sample(out, "meshfed_wan_datacenter_reachable{datacenter=\"" + dc + "\"}", bool(up)));
    gauge(out, "meshfed_wan_members_suspect", "WAN members this server suspects right now: still alive (and"
        + " routed to) until they refute or the suspicion ends; the first sign of a route problem",
        wan.members().stream().filter(m -> m.state() == MemberState.SUSPECT).count());
    return out.toString();
  }

  private static double bool(boolean b) {
    return b ? 1 : 0;
  }

  private static void gauge(StringBuilder out, String name, String help, double value) {
    header(out, name, help);
    sample(out, name, value);
  }

  private static void header(StringBuilder out, String name, String help) {
    header(out, name, "gauge", help);
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String series, double value) {
    out.append(series).append(' ');
    if (value == Math.rint(value) && !Double.isInfinite(value)) {
      out.append((long) value);
    } else {
      out.append(value);
    }
    out.append('\n');
  }
}
