package io.meshfed.server.api.grpc;

import io.meshfed.protocol.v1.DatacenterStatus;
import io.meshfed.protocol.v1.FederationStatusGateway;
import io.meshfed.protocol.v1.FederationStatusLocal;
import io.meshfed.protocol.v1.FederationStatusMember;
import io.meshfed.protocol.v1.FederationStatusResponse;
import io.meshfed.server.status.FederationStatus;
import java.time.Instant;

/** {@link FederationStatus} as {@code meshfed.v1.FederationStatusResponse}: the same fields, times in ms (0: none). */
final class FederationStatusProtos {
  private FederationStatusProtos() {}

  static FederationStatusResponse response(FederationStatus s) {
    FederationStatusResponse.Builder b = FederationStatusResponse.newBuilder().setNode(s.node())
        .setDatacenter(s.datacenter()).setPrimary(s.primary()).setAtMs(ms(s.at()));
    for (FederationStatus.Dc d : s.datacenters()) {
      DatacenterStatus.Builder dc = DatacenterStatus.newBuilder().setDatacenter(d.datacenter()).setVerdict(d.verdict())
          .setSinceMs(ms(d.since())).addAllReasons(d.reasons()).setAlive(d.servers().alive())
          .setSuspect(d.servers().suspect()).setFailed(d.servers().failed()).setLeft(d.servers().left());
      d.servers().members().forEach(m -> dc.addMembers(FederationStatusMember.newBuilder().setName(m.name())
          .setStatus(m.status()).setSinceMs(ms(m.since()))));
      if (d.path() != null) {
        dc.setHasPath(true).setPathVia(d.path().via());
        d.path().gateways().forEach(g -> dc.addPathGateways(FederationStatusGateway.newBuilder()
            .setAddress(g.address()).setProbe(g.probe()).setError(g.error())));
      }
      if (d.federationState() != null) {
        dc.setHasFederationState(true).setMeshGateways(d.federationState().meshGateways())
            .setStateUpdatedAtMs(ms(d.federationState().updatedAt()));
      }
      if (d.replica() != null) {
        dc.setHasReplica(true).setReplicaStatus(d.replica().status()).setReplicaLastReadMs(ms(d.replica().lastRead()))
            .setReplicaReason(d.replica().reason());
      }
      b.addDatacenters(dc);
    }
    FederationStatus.Local l = s.local();
    FederationStatusLocal.Builder local = FederationStatusLocal.newBuilder().setLeader(l.leader())
        .setLeaderError(l.leaderError()).setFeatureBarrierOpen(l.featureBarrier().open())
        .setFeatureBarrierReason(l.featureBarrier().reason());
    if (l.replication() != null) {
      local.setHasReplication(true).setReplicationHealthy(l.replication().healthy())
          .setReplicationRemoteIndex(l.replication().remoteIndex())
          .setReplicationConsecutiveFailures(l.replication().consecutiveFailures())
          .setReplicationLastSuccessMs(ms(l.replication().lastSuccess()))
          .setReplicationLastErrorAtMs(ms(l.replication().lastErrorAt()))
          .setReplicationLastError(l.replication().lastError())
          .setReplicationWedgedRestarts(l.replication().wedgedRestarts());
    }
    if (l.antiEntropy() != null) {
      local.setHasAntiEntropy(true).setAntiEntropyLastPushAtMs(ms(l.antiEntropy().lastPushAt()))
          .setAntiEntropyLastPushResult(l.antiEntropy().lastPushResult());
    }
    if (l.certificate() != null) {
      local.setHasCertificate(true).setCertificateSubject(l.certificate().subject())
          .setCertificateNotAfterMs(ms(l.certificate().notAfter())).setCertificateDaysLeft(l.certificate().daysLeft());
    }
    return b.setLocal(local).build();
  }

  private static long ms(Instant at) {
    return at == null ? 0 : at.toEpochMilli();
  }
}
