package io.meshfed.server.endpoint;

import io.meshfed.actors.federation.GatewayRef;
import io.meshfed.actors.federation.GatewayRollout;
import io.meshfed.actors.federation.ReplicaReport;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.Quote;
import io.meshfed.protocol.v1.DatacenterRollout;
import io.meshfed.protocol.v1.GatewayRemoval;
import io.meshfed.protocol.v1.GetGatewayRolloutRequest;
import java.time.Instant;
import java.util.Optional;
import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.ApplyFederationStateResponse;
import io.meshfed.protocol.v1.GetFederationStateResponse;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.protocol.v1.MeshGateways;
import io.meshfed.protocol.v1.QueryMeta;
import io.meshfed.protocol.v1.FederationStateOp;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.ListMeshGatewaysResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Endpoint arguments as the public API's protobuf messages, and back: forwarded calls travel as the
 * same messages the gRPC API takes, so both sides validate them the same way.
 */
public final class Protos {
  private Protos() {}

  public static ApplyFederationStateRequest applyRequest(String op, FederationState state) {
    var b = ApplyFederationStateRequest.newBuilder().setOp(switch (op == null ? "" : op) {
      case "upsert" -> FederationStateOp.FEDERATION_STATE_OP_UPSERT;
      case "delete" -> FederationStateOp.FEDERATION_STATE_OP_DELETE;
      default -> FederationStateOp.FEDERATION_STATE_OP_UNSPECIFIED;
    });
    if (state != null) {
      b.setState(ProtoConvert.toProto(state));
    }
    return b.build();
  }

  /** The op's wire name, or the enum's name for an unknown op, so the error message shows it. */
  public static String opName(FederationStateOp op) {
    return switch (op) {
      case FEDERATION_STATE_OP_UPSERT -> "upsert";
      case FEDERATION_STATE_OP_DELETE -> "delete";
      default -> op.name();
    };
  }

  /** Serves an Apply message with the endpoint: the gRPC API and internal RPC share this. */
  public static java.util.concurrent.CompletionStage<DcStore.WriteResult> apply(FederationStateEndpoint endpoint,
      String token, ApplyFederationStateRequest in) {
    FederationState state = in.hasState() ? ProtoConvert.fromProto(in.getState()) : null;
    if (in.getRecommission()) {
      return endpoint.recommission(token, state == null ? "" : state.datacenter());
    }
    return endpoint.apply(token, opName(in.getOp()), state, in.getDecommission());
  }

  public static io.meshfed.protocol.v1.ListDecommissionedResponse decommissioned(List<DcStore.Decommissioned> all) {
    var b = io.meshfed.protocol.v1.ListDecommissionedResponse.newBuilder();
    for (DcStore.Decommissioned d : all) {
      b.addDatacenters(io.meshfed.protocol.v1.DecommissionedDatacenter.newBuilder().setDatacenter(d.datacenter())
          .setAtMs(d.at().toEpochMilli()));
    }
    return b.build();
  }

  public static List<DcStore.Decommissioned> decommissioned(io.meshfed.protocol.v1.ListDecommissionedResponse r) {
    return r.getDatacentersList().stream().map(d -> new DcStore.Decommissioned(d.getDatacenter(),
        java.time.Instant.ofEpochMilli(d.getAtMs()))).toList();
  }

  public static ApplyFederationStateResponse applyResponse(DcStore.WriteResult w) {
    return ApplyFederationStateResponse.newBuilder().setIndex(w.index()).setApplied(w.applied()).build();
  }

  public static QueryMeta meta(DcStore.QueryResult<?> r) {
    return QueryMeta.newBuilder().setIndex(r.index()).setKnownLeader(true)
        .setResultsFilteredByAcls(r.filteredByAcls()).build();
  }

  public static GetFederationStateResponse getResponse(DcStore.QueryResult<FederationState> r) {
    var b = GetFederationStateResponse.newBuilder().setMeta(meta(r));
    if (r.value() != null) {
      b.setState(ProtoConvert.toProto(r.value()));
    }
    return b.build();
  }

  public static ListFederationStatesResponse listResponse(DcStore.QueryResult<List<FederationState>> r) {
    return ListFederationStatesResponse.newBuilder().setMeta(meta(r))
        .addAllStates(r.value().stream().map(ProtoConvert::toProto).toList()).build();
  }

  public static ListMeshGatewaysResponse gatewaysResponse(
      DcStore.QueryResult<Map<String, List<CheckServiceNode>>> r) {
    var b = ListMeshGatewaysResponse.newBuilder().setMeta(meta(r));
    r.value().forEach((dc, gws) ->
        b.putDatacenterGateways(dc, MeshGateways.newBuilder().addAllGateways(ProtoConvert.toProto(gws)).build()));
    return b.build();
  }

  public static GetFederationStateRequest getRequest(String datacenter, QueryOptions q) {
    return GetFederationStateRequest.newBuilder().setDatacenter(datacenter == null ? "" : datacenter)
        .setTargetDatacenter(q.datacenter()).setOptions(options(q)).build();
  }

  public static io.meshfed.protocol.v1.QueryOptions options(QueryOptions q) {
    return io.meshfed.protocol.v1.QueryOptions.newBuilder().setDatacenter(q.datacenter())
        .setMinIndex(q.minIndex()).setWaitMs(q.maxWait().toMillis()).build();
  }

  /** {@code min_index} above Long.MAX_VALUE reads as negative and is refused; such a {@code wait_ms} is the cap. */
  public static QueryOptions options(io.meshfed.protocol.v1.QueryOptions o) {
    return new QueryOptions(o.getDatacenter(), o.getMinIndex(),
        java.time.Duration.ofMillis(o.getWaitMs() < 0 ? Long.MAX_VALUE : o.getWaitMs()));
  }

  public static Map<String, List<CheckServiceNode>> gateways(ListMeshGatewaysResponse r) {
    Map<String, List<CheckServiceNode>> out = new TreeMap<>();
    r.getDatacenterGatewaysMap().forEach((dc, gws) ->
        out.put(dc, gws.getGatewaysList().stream().map(ProtoConvert::fromProto).toList()));
    return new LinkedHashMap<>(out);
  }

  // ---- gateway rollout (what secondaries report, and the primary's view of it) ----

  static io.meshfed.protocol.internal.ReplicaReport replicaReport(ReplicaReport r) {
    return io.meshfed.protocol.internal.ReplicaReport.newBuilder().setDatacenter(r.datacenter())
        .setPrimaryStateIndex(r.primaryStateIndex()).addAllGateways(refs(r.gateways())).build();
  }

  static ReplicaReport replicaReport(io.meshfed.protocol.internal.ReplicaReport r) {
    return new ReplicaReport(r.getDatacenter(), r.getPrimaryStateIndex(), refs(r.getGatewaysList()));
  }

  static GetGatewayRolloutRequest rolloutRequest(List<String> remove) {
    return GetGatewayRolloutRequest.newBuilder().addAllRemove(remove).build();
  }

  public static io.meshfed.protocol.v1.GatewayRollout rollout(GatewayRollout r) {
    io.meshfed.protocol.v1.GatewayRollout.Builder b = io.meshfed.protocol.v1.GatewayRollout.newBuilder()
        .setPrimary(r.primary()).setPrimaryStateIndex(r.primaryStateIndex()).addAllGateways(refs(r.gateways()))
        .setComplete(r.complete());
    for (GatewayRollout.DatacenterRollout d : r.datacenters()) {
      b.addDatacenters(DatacenterRollout.newBuilder().setDatacenter(d.datacenter()).setStatus(d.status().wireName())
          .setPrimaryStateIndex(d.primaryStateIndex()).addAllDials(refs(d.dials()))
          .addAllOldGateways(refs(d.oldGateways())).setLastReadMs(d.lastRead() == null ? 0 : d.lastRead().toEpochMilli())
          .setHeardBy(d.heardBy()).setReason(d.reason()));
    }
    r.removal().ifPresent(m -> b.setRemoval(GatewayRemoval.newBuilder().addAllRemove(m.remove()).setSafe(m.safe())
        .addAllLagging(m.lagging()).setMessage(m.message())));
    return b.build();
  }

  public static GatewayRollout rollout(io.meshfed.protocol.v1.GatewayRollout r) {
    List<GatewayRollout.DatacenterRollout> dcs = r.getDatacentersList().stream().map(d ->
        new GatewayRollout.DatacenterRollout(d.getDatacenter(), status(d.getStatus()), d.getPrimaryStateIndex(),
            refs(d.getDialsList()), refs(d.getOldGatewaysList()),
            d.getLastReadMs() == 0 ? null : Instant.ofEpochMilli(d.getLastReadMs()), d.getHeardBy(), d.getReason()))
        .toList();
    Optional<GatewayRollout.Removal> removal = r.hasRemoval() ? Optional.of(new GatewayRollout.Removal(
        r.getRemoval().getRemoveList(), r.getRemoval().getSafe(), r.getRemoval().getLaggingList(),
        r.getRemoval().getMessage())) : Optional.empty();
    return new GatewayRollout(r.getPrimary(), r.getPrimaryStateIndex(), refs(r.getGatewaysList()), dcs,
        r.getComplete(), removal);
  }

  private static GatewayRollout.Status status(String wire) {
    for (GatewayRollout.Status s : GatewayRollout.Status.values()) {
      if (s.wireName().equals(wire)) {
        return s;
      }
    }
    throw new ApiException(ApiException.Code.INTERNAL, "the primary answered an unknown rollout status " + Quote.of(wire));
  }

  private static List<io.meshfed.protocol.v1.GatewayRef> refs(List<GatewayRef> refs) {
    return refs.stream().map(g -> io.meshfed.protocol.v1.GatewayRef.newBuilder().setNode(g.node())
        .setAddress(g.address()).build()).toList();
  }

  private static List<GatewayRef> refs(java.util.Collection<io.meshfed.protocol.v1.GatewayRef> refs) {
    return refs.stream().map(g -> new GatewayRef(g.getNode(), g.getAddress())).toList();
  }
}
