package io.meshfed.server;

import io.meshfed.actors.catalog.MemberReconciler;
import io.meshfed.actors.catalog.TcpChecks;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.federation.AntiEntropyStats;
import io.meshfed.actors.federation.FederationBarrier;
import io.meshfed.actors.federation.FederationStateAntiEntropy;
import io.meshfed.actors.federation.FederationStatePruning;
import io.meshfed.actors.federation.AclReplication;
import io.meshfed.actors.federation.FederationStateReplication;
import io.meshfed.actors.federation.PrimaryFederationStates;
import io.meshfed.actors.federation.ReplicationStatus;
import io.meshfed.actors.federation.ReplicationStatusHolder;
import io.meshfed.transport.metrics.Meters;
import io.meshfed.actors.forward.ReplicationSignal;
import io.meshfed.actors.leader.RoutineSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The routines a DC's leader runs (docs/architecture.md, "Federation-state flow"): catalog upkeep everywhere,
 * federation-state anti-entropy everywhere, replication in secondaries, pruning in the primary.
 */
final class LeaderRoutines {
  static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(30);

  private LeaderRoutines() {}

  /**
   * @param signal the gateway locator of this server: only the server hosting the leader runs
   *     replication, and its locator is the one that must hear about it
   * @param datacentersInWan lower-case DCs with a WAN member that has not left, for pruning
   * @param primaryArrivals the primary's servers becoming alive in the WAN view, for replication
   * @param primaryAcl the primary's ACL table, replicated in a secondary with ACLs on
   * @param replicationToken what a secondary's routines present to the primary, read per call (a reload
   *     may change it)
   */
  static List<RoutineSpec> of(ServerConfig config, StoreClient store, FederationBarrier barrier,
      PrimaryFederationStates primary, ReplicationSignal signal, Replications replications,
      Supplier<Set<String>> datacentersInWan, LongSupplier primaryArrivals, AclReplication.PrimaryAcl primaryAcl,
      Supplier<String> replicationToken) {
    List<RoutineSpec> routines = new ArrayList<>(List.of(
        RoutineSpec.of(MemberReconciler.NAME,
            () -> MemberReconciler.create(store, config.datacenter(), RECONCILE_INTERVAL)),
        RoutineSpec.of(TcpChecks.NAME, () -> TcpChecks.create(store)),
        RoutineSpec.of(FederationStateAntiEntropy.NAME, () -> FederationStateAntiEntropy.create(store,
            config.datacenter(), config.isPrimary(), barrier, config.isPrimary() ? null : primary, replicationToken,
            FederationStateAntiEntropy.Settings.defaults(), replications.antiEntropy()))));
    if (config.isPrimary()) {
      routines.add(RoutineSpec.of(FederationStatePruning.NAME, () -> FederationStatePruning.create(store,
          config.datacenter(), datacentersInWan, config.federationStates().pruneCheckInterval(),
          config.federationStates().pruneAfter())));
    } else {
      routines.add(RoutineSpec.of(FederationStateReplication.NAME, () -> FederationStateReplication.create(store,
          primary, replicationToken, barrier::passed, signal, replications.federationStates(), primaryArrivals,
          FederationStateReplication.Settings.defaults())));
      if (config.acl().enabled()) {
        routines.add(RoutineSpec.of(AclReplication.NAME, () -> AclReplication.create(store, primaryAcl,
            replicationToken, replications.acl(), primaryArrivals, FederationStateReplication.Settings.aclDefaults())));
      }
    }
    return List.copyOf(routines);
  }

  /** The status each replication of a secondary publishes, and anti-entropy's counts. */
  record Replications(ReplicationStatusHolder federationStates, ReplicationStatusHolder acl,
      AntiEntropyStats antiEntropy) {
    Replications() {
      this(new ReplicationStatusHolder(), new ReplicationStatusHolder(), new AntiEntropyStats());
    }

    /** With the round times (and federation states' propagation delays) in the server's registry. */
    Replications(Meters meters) {
      this(new ReplicationStatusHolder(meters, "federation-states"), new ReplicationStatusHolder(meters, "acl"),
          new AntiEntropyStats());
    }
  }

  /** What the operator's routine report shows beside each replication (Consul's replication gauges, and more). */
  static Map<String, Map<String, String>> details(Replications replications) {
    Map<String, Map<String, String>> details = new TreeMap<>();
    details(replications.federationStates()).ifPresent(d -> details.put(FederationStateReplication.NAME, d));
    details(replications.acl()).ifPresent(d -> details.put(AclReplication.NAME, d));
    // The federation status reads these from the leader: only the leader's routine pushes.
    replications.antiEntropy().lastPush().ifPresent(p -> {
      Map<String, String> d = new TreeMap<>();
      d.put("Pushes", Long.toString(replications.antiEntropy().pushes()));
      d.put("LastPushAt", p.at().toString());
      d.put("LastPushResult", p.error() == null ? "ok" : p.error());
      details.put(FederationStateAntiEntropy.NAME, d);
    });
    return details;
  }

  private static java.util.Optional<Map<String, String>> details(ReplicationStatusHolder holder) {
    ReplicationStatus s = holder.get();
    if (!s.running()) {
      return java.util.Optional.empty();
    }
    Map<String, String> d = new TreeMap<>();
    d.put("WedgedRestarts", Long.toString(holder.wedged()));
    d.put("Healthy", Boolean.toString(s.healthy()));
    d.put("RemoteIndex", Long.toString(s.remoteIndex()));
    d.put("ConsecutiveFailures", Integer.toString(s.consecutiveFailures()));
    d.put("LastSuccess", s.lastSuccessAt() == null ? "never" : s.lastSuccessAt().toString());
    if (s.lastErrorAt() != null) {
      d.put("LastErrorAt", s.lastErrorAt().toString());
      d.put("LastError", s.lastError());
    }
    return java.util.Optional.of(d);
  }
}
