package io.meshfed.actors.endpoint;

import io.meshfed.actors.acl.Acl;
import io.meshfed.actors.acl.Policy;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.Validation;
import io.meshfed.protocol.names.Names;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * FederationState Apply/Get/List/ListMeshGateways (reference §3): validation with Consul's
 * messages, ACL checks, routing. The HTTP API, the gRPC API and internal RPC all call this.
 */
public final class FederationStateEndpoint {
  private final StoreClient store;
  private final ServerIdentity self;
  private final Acl acl;

  public FederationStateEndpoint(StoreClient store, ServerIdentity self, Acl acl) {
    this.store = store;
    this.self = self;
    this.acl = acl;
  }

  /**
   * Upserts or deletes a DC's federation state. Always served by the primary DC (reference §3):
   * a secondary forwards it there.
   */
  public CompletionStage<WriteResult> apply(String token, String op, FederationState state) {
    return Endpoints.guarded(() -> {
      acl.authorize(token, Policy.OPERATOR_WRITE);
      if (state == null || state.datacenter().isEmpty()) {
        throw ApiException.invalid("invalid request: missing federation state datacenter");
      }
      FederationStateOp parsed = FederationStateOp.parse(op)
          .orElseThrow(() -> ApiException.invalid("Invalid federation state operation: " + op));
      FederationState toWrite = state;
      if (parsed == FederationStateOp.UPSERT) {
        validateUpsert(state);
        if (state.updatedAt() == null) {
          toWrite = state.withUpdatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        }
      }
      Endpoints.requireLocal(self, self.primaryDatacenter());
      FederationState write = toWrite;
      return store.ask(reply -> new DcStore.ApplyFederationState(parsed, write, reply));
    });
  }

  /** One DC's record ({@code value} null when absent), served by {@code q.datacenter()}. */
  public CompletionStage<QueryResult<FederationState>> get(String token, String datacenter, QueryOptions q) {
    return Endpoints.guarded(() -> {
      acl.authorize(token, Policy.OPERATOR_READ);
      if (datacenter == null || datacenter.isEmpty()) {
        throw ApiException.invalid("Missing datacenter name");
      }
      Endpoints.requireLocal(self, q.datacenter());
      return store.askBlocking(q, reply -> new DcStore.GetFederationState(datacenter, q.minIndex(), q.maxWait(), reply));
    });
  }

  public CompletionStage<QueryResult<List<FederationState>>> list(String token, QueryOptions q) {
    return Endpoints.guarded(() -> {
      acl.authorize(token, Policy.OPERATOR_READ);
      Endpoints.requireLocal(self, q.datacenter());
      return store.askBlocking(q, reply -> new DcStore.ListFederationStates(q.minIndex(), q.maxWait(), reply));
    });
  }

  public CompletionStage<QueryResult<Map<String, List<CheckServiceNode>>>> listMeshGateways(
      String token, QueryOptions q) {
    return Endpoints.guarded(() -> {
      acl.authorize(token, Policy.OPERATOR_READ);
      Endpoints.requireLocal(self, q.datacenter());
      return store.askBlocking(q, reply -> new DcStore.ListMeshGateways(q.minIndex(), q.maxWait(), reply));
    });
  }

  private static void validateUpsert(FederationState state) {
    Names.datacenterError(state.datacenter())
        .ifPresent(err -> { throw ApiException.invalid("invalid request: " + err); });
    int i = 0;
    for (CheckServiceNode gw : state.meshGateways()) {
      i++;
      String which = "invalid request: mesh gateway " + i;
      if (gw.node() == null || gw.node().node().isEmpty()) {
        throw ApiException.invalid(which + " has no Node");
      }
      if (gw.service() == null || gw.service().service().isEmpty()) {
        throw ApiException.invalid(which + " (node \"" + gw.node().node() + "\") has no Service");
      }
      Validation.metaError(which + " node meta", gw.node().meta())
          .ifPresent(err -> { throw ApiException.invalid(err); });
      Validation.metaError(which + " service meta", gw.service().meta())
          .ifPresent(err -> { throw ApiException.invalid(err); });
    }
  }
}
