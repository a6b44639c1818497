package io.meshfed.actors.federation;

import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The primary DC as the federation routines of a secondary see it: the full list of federation
 * states (replication) and the place where this DC's own record is published
 * (anti-entropy). The token is an argument rather than captured, so the routines
 * re-read the replication token on every call (Consul's {@code ReplicationToken()} per round) and a
 * rotated token takes effect without a restart.
 */
public interface PrimaryFederationStates {

  /** The primary DC's name. */
  String datacenter();

  /**
   * A blocking query of all federation states in the primary: answered when the primary's
   * federation-state index passes {@code minIndex} (0: at once) or after {@code wait}. It tells the
   * primary what this DC holds of the primary's own record ({@code primaryCopy}, null: nothing), so
   * the primary can show how far a change of its gateways has spread.
   */
  CompletionStage<DcStore.QueryResult<List<FederationState>>> list(String token, long minIndex, Duration wait,
      FederationState primaryCopy);

  /** Upserts {@code state} (this DC's own record) in the primary. */
  CompletionStage<DcStore.WriteResult> upsert(String token, FederationState state);
}
