package io.meshfed.server.endpoint;

import io.meshfed.actors.federation.GatewayRef;
import io.meshfed.actors.federation.GatewayRollout;
import io.meshfed.actors.federation.PrimaryFederationStates;
import io.meshfed.actors.federation.ReplicaLedger;
import io.meshfed.actors.federation.ReplicaReport;
import io.meshfed.actors.forward.RemoteDatacenters;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.server.acl.Authorizer;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.v1.ApplyFederationStateResponse;
import io.meshfed.protocol.v1.GetFederationStateResponse;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.protocol.v1.ListMeshGatewaysRequest;
import io.meshfed.protocol.v1.ListMeshGatewaysResponse;
import java.time.Duration;
import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * FederationState Apply/Get/List/ListMeshGateways: validation with Consul's messages, ACL checks,
 * routing. The HTTP API, the gRPC API and internal RPC all call this.
 */
public final class FederationStateEndpoint {
  /** Internal RPC method names: the same endpoint serves them in the target DC. */
  public static final String APPLY = "FederationState.Apply";
  public static final String GET = "FederationState.Get";
  public static final String LIST = "FederationState.List";
  public static final String LIST_MESH_GATEWAYS = "FederationState.ListMeshGateways";
  public static final String ROLLOUT = "FederationState.Rollout";
  public static final String LIST_DECOMMISSIONED = "FederationState.ListDecommissioned";
  /** Gateways one rollout request may name for removal. */
  static final int MAX_REMOVE = 64;

  private final StoreClient store;
  private final ServerIdentity self;
  private final Acl acl;
  private final Forwarder forwarder;
  private final BooleanSupplier featureEnabled;
  private final String notEnabled;
  private final ReplicaLedger ledger;

  /**
   * @param featureEnabled the feature barrier: while false, the DC that serves a call answers 503
   *     with {@code notEnabled}, after forwarding as Consul does
   * @param ledger where the primary keeps what each secondary reports with its replication reads
   */
  public FederationStateEndpoint(StoreClient store, ServerIdentity self, Acl acl, RemoteDatacenters remote,
      BooleanSupplier featureEnabled, String notEnabled, ReplicaLedger ledger) {
    this.store = store;
    this.self = self;
    this.acl = acl;
    this.forwarder = new Forwarder(remote, self.datacenter());
    this.featureEnabled = featureEnabled;
    this.notEnabled = notEnabled;
    this.ledger = ledger;
  }

  /**
   * Upserts or deletes a DC's federation state. Always served by the primary DC: a secondary
   * forwards it there, once it is valid, so nothing invalid crosses the WAN. The primary checks the
   * token, as Consul's does after forwarding, and validates again.
   */
  public CompletionStage<WriteResult> apply(String token, String op, FederationState state) {
    return apply(token, op, state, false);
  }

  /**
   * @param decommission with a delete: the primary also records the DC decommissioned, so that
   *     upserts of its state are refused until {@link #recommission}. The primary's own DC is never
   *     decommissioned: its servers write its state
   */
  public CompletionStage<WriteResult> apply(String token, String op, FederationState state, boolean decommission) {
    if (!self.isPrimary()) {
      return Endpoints.guarded(() -> {
        FederationStateOp parsed = RequestValidation.federationStateOp(op);
        RequestValidation.federationState(parsed, state);
        requireDeleteToDecommission(parsed, decommission);
        return forwarder.call(self.primaryDatacenter(), APPLY, token,
            Protos.applyRequest(op, state).toBuilder().setDecommission(decommission).build(),
            Forwarder.CALL_DEADLINE, ApplyFederationStateResponse.parser(),
            r -> new WriteResult(r.getIndex(), r.getApplied()));
      });
    }
    return Endpoints.guarded(() -> {
      requireFeature();
      acl.operator(token, Access.WRITE);
      FederationStateOp parsed = RequestValidation.federationStateOp(op);
      RequestValidation.federationState(parsed, state);
      requireDeleteToDecommission(parsed, decommission);
      if (decommission) {
        if (Names.datacenterKey(state.datacenter()).equals(Names.datacenterKey(self.datacenter()))) {
          throw ApiException.invalid("cannot decommission " + state.datacenter() + ": it is the primary datacenter");
        }
        return store.ask(reply -> new DcStore.DecommissionDatacenter(state.datacenter(),
            Instant.now().truncatedTo(ChronoUnit.MILLIS), reply));
      }
      FederationState toWrite = parsed == FederationStateOp.UPSERT && state.updatedAt() == null
          ? state.withUpdatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)) : state;
      return store.ask(reply -> new DcStore.ApplyFederationState(parsed, toWrite, reply));
    });
  }

  /**
   * Lifts the decommission of {@code datacenter}, in the primary (a secondary forwards it). Nothing
   * is written back: the DC's anti-entropy does that at its next round, or an operator's apply.
   */
  public CompletionStage<WriteResult> recommission(String token, String datacenter) {
    return Endpoints.guarded(() -> {
      if (datacenter == null || datacenter.isEmpty()) {
        throw ApiException.invalid("missing datacenter to recommission");
      }
      RequestValidation.requireValidLookup(datacenter);
      if (!self.isPrimary()) {
        return forwarder.call(self.primaryDatacenter(), APPLY, token, ApplyFederationStateRequest.newBuilder()
                .setState(io.meshfed.protocol.v1.FederationState.newBuilder().setDatacenter(datacenter))
                .setRecommission(true).build(),
            Forwarder.CALL_DEADLINE, ApplyFederationStateResponse.parser(),
            r -> new WriteResult(r.getIndex(), r.getApplied()));
      }
      requireFeature();
      acl.operator(token, Access.WRITE);
      return store.ask(reply -> new DcStore.RecommissionDatacenter(datacenter, reply));
    });
  }

  /** The DCs the primary holds decommissioned, sorted by name; a secondary forwards. Needs {@code operator:read}. */
  public CompletionStage<List<DcStore.Decommissioned>> decommissioned(String token) {
    return Endpoints.guarded(() -> {
      if (!self.isPrimary()) {
        return forwarder.call(self.primaryDatacenter(), LIST_DECOMMISSIONED, token,
            io.meshfed.protocol.v1.ListDecommissionedRequest.getDefaultInstance(), Forwarder.CALL_DEADLINE,
            io.meshfed.protocol.v1.ListDecommissionedResponse.parser(), Protos::decommissioned);
      }
      requireFeature();
      acl.operator(token, Access.READ);
      return store.<DcStore.QueryResult<List<DcStore.Decommissioned>>>ask(DcStore.ListDecommissioned::new)
          .thenApply(DcStore.QueryResult::value);
    });
  }

  private static void requireDeleteToDecommission(FederationStateOp op, boolean decommission) {
    if (decommission && op != FederationStateOp.DELETE) {
      throw ApiException.invalid("decommission goes with a delete, not an " + op.wireName());
    }
  }

  /** One DC's record ({@code value} null when absent), served by {@code q.datacenter()}. */
  public CompletionStage<QueryResult<FederationState>> get(String token, String datacenter, QueryOptions q) {
    return Endpoints.guarded(() -> {
      RequestValidation.requireValid(q);
      if (datacenter != null && !datacenter.isEmpty()) {
        RequestValidation.requireValidLookup(datacenter);
      }
      if (!self.servesLocally(q.datacenter())) {
        return forwarder.call(q.datacenter(), GET, token, Protos.getRequest(datacenter, q), Forwarder.deadline(q),
            GetFederationStateResponse.parser(), r -> new DcStore.FederationStateResult(r.getMeta().getIndex(),
                r.hasState() ? ProtoConvert.fromProto(r.getState()) : null));
      }
      requireFeature();
      acl.operator(token, Access.READ);
      if (datacenter == null || datacenter.isEmpty()) {
        throw ApiException.invalid("Missing datacenter name");
      }
      return store.askBlocking(q, reply -> new DcStore.GetFederationState(datacenter, q.minIndex(), q.maxWait(), reply));
    });
  }

  public CompletionStage<QueryResult<List<FederationState>>> list(String token, QueryOptions q) {
    return list(token, q, null);
  }

  /**
   * @param replica set on a secondary's replication read: what it holds of the primary's own
   *     record, which the primary records ({@link ReplicaLedger}) once the token may read
   */
  public CompletionStage<QueryResult<List<FederationState>>> list(String token, QueryOptions q,
      ReplicaReport replica) {
    return Endpoints.guarded(() -> {
      RequestValidation.requireValid(q);
      if (!self.servesLocally(q.datacenter())) {
        return forwarder.call(q.datacenter(), LIST, token, ListFederationStatesRequest.newBuilder()
                .setOptions(Protos.options(q)).build(), replica, Forwarder.deadline(q),
            ListFederationStatesResponse.parser(), r -> new DcStore.FederationStatesResult(r.getMeta().getIndex(),
                r.getStatesList().stream().map(ProtoConvert::fromProto).toList()));
      }
      requireFeature();
      acl.operator(token, Access.READ);
      if (replica != null) {
        RequestValidation.replicaReport(replica, self);
        ledger.record(replica, Instant.now());
      }
      return store.askBlocking(q, reply -> new DcStore.ListFederationStates(q.minIndex(), q.maxWait(), reply));
    });
  }

  /**
   * How far the primary's current gateways have spread, and (with {@code remove}) whether removing
   * those would leave a DC knowing none that stays. Served by the primary from its store and its
   * {@link ReplicaLedger}; a secondary forwards.
   */
  public CompletionStage<GatewayRollout> rollout(String token, List<String> remove) {
    return Endpoints.guarded(() -> {
      RequestValidation.gatewaysToRemove(remove, MAX_REMOVE);
      if (!self.isPrimary()) {
        return forwarder.call(self.primaryDatacenter(), ROLLOUT, token, Protos.rolloutRequest(remove), null,
            Forwarder.CALL_DEADLINE, io.meshfed.protocol.v1.GatewayRollout.parser(), Protos::rollout);
      }
      requireFeature();
      acl.operator(token, Access.READ);
      CompletionStage<QueryResult<List<FederationState>>> states = store.ask(reply ->
          new DcStore.ListFederationStates(0, Duration.ZERO, reply));
      return states.thenCombine(ledger.all(), (listed, progress) -> {
        FederationState own = listed.value().stream().filter(st -> st.datacenter().equals(self.datacenter()))
            .findFirst().orElse(null);
        List<String> secondaries = listed.value().stream().map(FederationState::datacenter)
            .filter(dc -> !dc.equals(self.datacenter())).toList();
        try {
          return GatewayRollout.of(self.datacenter(), own, secondaries, progress, remove, Instant.now());
        } catch (GatewayRollout.UnknownGateway e) {
          throw ApiException.invalid(e.getMessage());
        }
      });
    });
  }

  public CompletionStage<QueryResult<Map<String, List<CheckServiceNode>>>> listMeshGateways(
      String token, QueryOptions q) {
    return Endpoints.guarded(() -> {
      RequestValidation.requireValid(q);
      if (!self.servesLocally(q.datacenter())) {
        return forwarder.call(q.datacenter(), LIST_MESH_GATEWAYS, token, ListMeshGatewaysRequest.newBuilder()
                .setOptions(Protos.options(q)).build(), Forwarder.deadline(q), ListMeshGatewaysResponse.parser(),
            r -> new DcStore.MeshGatewaysResult(r.getMeta().getIndex(), Protos.gateways(r),
                r.getMeta().getResultsFilteredByAcls()));
      }
      requireFeature();
      // As Consul's: no operator rule, the gateways the token cannot read are left out.
      Authorizer authz = acl.resolve(token);
      return store.<QueryResult<Map<String, List<CheckServiceNode>>>>askBlocking(q, reply ->
          new DcStore.ListMeshGateways(q.minIndex(), q.maxWait(), reply))
          .thenApply(r -> authz.filterGateways(r));
    });
  }

  private void requireFeature() {
    if (!featureEnabled.getAsBoolean()) {
      throw new ApiException(ApiException.Code.UNAVAILABLE, notEnabled);
    }
  }

  /**
   * The primary as the federation routines see it: both calls are forwarded to {@code primaryDatacenter}
   * by this endpoint's own routing (a list with that datacenter is a forwarded blocking query; an apply
   * always goes there).
   */
  public PrimaryFederationStates primary(String primaryDatacenter) {
    Objects.requireNonNull(primaryDatacenter, "primaryDatacenter");
    return new PrimaryFederationStates() {
      @Override
      public String datacenter() {
        return primaryDatacenter;
      }

      @Override
      public CompletionStage<DcStore.QueryResult<List<FederationState>>> list(String token, long minIndex,
          Duration wait, FederationState primaryCopy) {
        ReplicaReport report = primaryCopy == null ? new ReplicaReport(self.datacenter(), 0, List.of())
            : new ReplicaReport(self.datacenter(), primaryCopy.primaryModifyIndex(),
                GatewayRef.of(primaryCopy.meshGateways()));
        return FederationStateEndpoint.this.list(token, new QueryOptions(primaryDatacenter, minIndex, wait), report);
      }

      @Override
      public CompletionStage<DcStore.WriteResult> upsert(String token, FederationState state) {
        return apply(token, FederationStateOp.UPSERT.wireName(), state);
      }
    };
  }
}
