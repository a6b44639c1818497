package io.meshfed.actors.federation;

import io.meshfed.actors.endpoint.FederationStateEndpoint;
import io.meshfed.actors.endpoint.QueryOptions;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * The primary DC as the federation routines of a secondary see it: the full list of federation
 * states (replication) and the place where this DC's own record is published
 * (anti-entropy). The token is an argument rather than captured, so the routines
 * re-read the replication token on every call (Consul's {@code ReplicationToken()} per round) and a
 * rotated token takes effect without a restart.
 */
public interface PrimaryFederationStates {

  /**
   * A blocking query of all federation states in the primary: answered when the primary's
   * federation-state index passes {@code minIndex} (0: at once) or after {@code wait}.
   */
  CompletionStage<DcStore.QueryResult<List<FederationState>>> list(String token, long minIndex, Duration wait);

  /** Upserts {@code state} (this DC's own record) in the primary. */
  CompletionStage<DcStore.WriteResult> upsert(String token, FederationState state);

  /**
   * Over the endpoint: both calls are forwarded to {@code primaryDatacenter} by the endpoint's own
   * routing (a list with that datacenter is a forwarded blocking query; an apply always goes there).
   */
  static PrimaryFederationStates over(FederationStateEndpoint endpoint, String primaryDatacenter) {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(primaryDatacenter, "primaryDatacenter");
    return new PrimaryFederationStates() {
      @Override
      public CompletionStage<DcStore.QueryResult<List<FederationState>>> list(String token, long minIndex,
          Duration wait) {
        return endpoint.list(token, new QueryOptions(primaryDatacenter, minIndex, wait));
      }

      @Override
      public CompletionStage<DcStore.WriteResult> upsert(String token, FederationState state) {
        return endpoint.apply(token, FederationStateOp.UPSERT.wireName(), state);
      }
    };
  }
}
