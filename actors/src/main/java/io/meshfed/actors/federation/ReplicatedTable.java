package io.meshfed.actors.federation;

import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A table a secondary copies from the primary: where {@link IndexReplication} reads the primary's
 * records and the local ones, and how it writes a copy or deletes a local record.
 *
 * @param <R> the record type
 */
public interface ReplicatedTable<R> {

  /** What its records are. */
  RecordKind<R> kind();

  /** The primary's records at its table index {@code index}. */
  record Snapshot<R>(long index, List<R> records) {}

  /**
   * A blocking query of the primary's whole table: answered once its index passes {@code minIndex} (0: at
   * once) or after {@code wait}. The token is the replication token as it is now (read every round).
   * Cancelling the stage cancels the call (it may be parked in the primary for a while).
   */
  CompletionStage<Snapshot<R>> fetch(String token, long minIndex, Duration wait);

  /** The local store's whole table (not blocking). */
  CompletionStage<List<R>> readLocal();

  /** Writes a copy of a primary's record ({@code UPSERT}) or deletes a local one ({@code DELETE}). */
  CompletionStage<?> apply(FederationStateOp op, R record);
}
