package io.meshfed.persistence.store;

import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.pattern.StatusReply;

/**
 * The DC state store: one event-sourced actor per DC holding the catalog, the
 * federation states and the ACL policies and tokens, with one monotonically increasing store index and blocking reads.
 *
 * <p>Every write answers {@code StatusReply<WriteResult>}: success with the index it produced, or
 * an error whose message says what was wrong; a rejected write changes nothing. Writes are checked
 * with the endpoints' rules ({@code Validation}) and against the totals of {@code Limits} that only
 * the store can see: the catalog, all federation states, and the DC's mesh gateways as anti-entropy
 * would publish them. Every read answers
 * {@code StatusReply<QueryResult<T>>} with the index of the table it reflects. A read with
 * {@code minIndex > 0} is parked until that table's index exceeds {@code minIndex} or {@code waitTime}
 * (capped at {@link #MAX_WAIT}; zero means {@link #DEFAULT_WAIT}) has passed, then answered with
 * the current result either way. (The component is {@code waitTime} because a record component
 * named {@code wait} would clash with {@code Object.wait()}.)
 */
public final class DcStore {
  public static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
  public static final Duration MAX_WAIT = Duration.ofMinutes(10);

  private DcStore() {}

  /** {@code persistenceId} is {@code "dc-store|<datacenter>"}; one per DC. */
  public static Behavior<Command> create(String datacenter) {
    return DcStoreBehavior.create(datacenter);
  }

  public sealed interface Command extends StoreSerializable
      permits ApplyFederationState, DecommissionDatacenter, RecommissionDatacenter, ListDecommissioned,
          RegisterCatalog, DeregisterCatalog, UpdateCheck,
          ApplyAclPolicy, DeleteAclPolicy, ApplyAclToken, DeleteAclToken, BootstrapAcl, TakeSnapshot, Restore,
          GetFederationState, ListFederationStates, ListMeshGateways, ListServices, ListAcl,
          DcStoreBehavior.WaitExpired {

    /**
     * Whether applying this command twice leaves the store as applying it once (an upsert, a keyed
     * delete, any read): a caller that lost the store's host while waiting may then send it again.
     */
    default boolean idempotent() {
      return true;
    }
  }

  /**
   * Upsert or delete one DC's federation state.
   *
   * @param replicated written by a secondary's replication, a copy of the primary's record: the
   *     primary enforced the total of all states, and a copy applied one record at a time may pass
   *     through a total above it (one DC grown before another shrank), so only the record itself is
   *     checked
   */
  public record ApplyFederationState(
      FederationStateOp op, FederationState state, boolean replicated, ActorRef<StatusReply<WriteResult>> replyTo)
      implements Command {

    public ApplyFederationState(FederationStateOp op, FederationState state,
        ActorRef<StatusReply<WriteResult>> replyTo) {
      this(op, state, false, replyTo);
    }
  }

  /**
   * Deletes {@code datacenter}'s federation state, if any, and records that the DC is
   * decommissioned: from then on an upsert of its state is refused with {@link #DECOMMISSIONED}
   * until {@link RecommissionDatacenter}. Decommissioning it again changes nothing.
   *
   * @param at when, as the operator's command was served (journaled: replay does not read the clock)
   */
  public record DecommissionDatacenter(String datacenter, Instant at, ActorRef<StatusReply<WriteResult>> replyTo)
      implements Command {}

  /** Lifts a decommission; a DC not decommissioned changes nothing. Nothing is written back: its anti-entropy does that. */
  public record RecommissionDatacenter(String datacenter, ActorRef<StatusReply<WriteResult>> replyTo)
      implements Command {}

  /** The decommissioned DCs, sorted by lower-cased name; the index is the store's. */
  public record ListDecommissioned(ActorRef<StatusReply<QueryResult<List<Decommissioned>>>> replyTo)
      implements Command {}

  /** A DC decommissioned at {@code at} (the name as the operator gave it). */
  public record Decommissioned(String datacenter, Instant at) implements StoreSerializable {}

  /** Begins the error of an upsert of a decommissioned DC's state; the rest names the DC, since when, and the undo. */
  public static final String DECOMMISSIONED = "federation state refused: datacenter";

  /** Registers (or replaces) a node, and optionally one service of it and checks. */
  public record RegisterCatalog(
      Node node, NodeService service, List<HealthCheck> checks, ActorRef<StatusReply<WriteResult>> replyTo)
      implements Command {}

  /**
   * Removes a check ({@code checkId} set), a service and its checks ({@code serviceId} set), or
   * the node with everything on it (neither set). Removing something absent changes nothing.
   */
  public record DeregisterCatalog(
      String node, String serviceId, String checkId, ActorRef<StatusReply<WriteResult>> replyTo)
      implements Command {}

  /** Sets a check's status and output; the check must exist. */
  public record UpdateCheck(
      String node, String checkId, String status, String output, ActorRef<StatusReply<WriteResult>> replyTo)
      implements Command {}

  /**
   * Creates or replaces an ACL policy (by name); its rules were checked by the server. A new
   * policy beyond {@link io.meshfed.protocol.model.Limits#MAX_ACL_POLICIES} is refused.
   */
  public record ApplyAclPolicy(AclPolicy policy, ActorRef<StatusReply<WriteResult>> replyTo) implements Command {}

  /** Removes an ACL policy; removing one that is absent changes nothing. Tokens that name it keep the name. */
  public record DeleteAclPolicy(String name, ActorRef<StatusReply<WriteResult>> replyTo) implements Command {}

  /**
   * Creates or replaces an ACL token (by accessor ID). A new token beyond
   * {@link io.meshfed.protocol.model.Limits#MAX_ACL_TOKENS}, or one whose secret hash another
   * token has, is refused.
   */
  public record ApplyAclToken(AclToken token, ActorRef<StatusReply<WriteResult>> replyTo) implements Command {}

  /** Removes an ACL token; removing one that is absent changes nothing. */
  public record DeleteAclToken(String accessorId, ActorRef<StatusReply<WriteResult>> replyTo) implements Command {}

  /**
   * Stores the first management token and marks the ACL system bootstrapped, once: afterwards it
   * is refused with {@link #BOOTSTRAP_DONE} and the bootstrap's index.
   */
  public record BootstrapAcl(AclToken token, ActorRef<StatusReply<WriteResult>> replyTo) implements Command {
    /** A second one is refused: sent again after the first was applied, it would report a failure. */
    @Override
    public boolean idempotent() {
      return false;
    }
  }

  /** Begins the error of a second bootstrap; the rest names the index where the first one happened. */
  public static final String BOOTSTRAP_DONE = "ACL bootstrap no longer allowed";

  /**
   * The whole state at this point of the store's history, serialized as the snapshot store keeps
   * it (a {@code StoreSnapshot} in the journal's records); a read, so it changes nothing.
   */
  public record TakeSnapshot(ActorRef<StatusReply<SnapshotTaken>> replyTo) implements Command {}

  /**
   * A snapshot of {@code datacenter}'s store at store index {@code index}: the payload is what a
   * journal's snapshot row holds, with its serializer id and manifest.
   */
  public record SnapshotTaken(String datacenter, long index, int serializerId, String manifest, byte[] payload)
      implements StoreSerializable {}

  /**
   * Replaces the whole state with a snapshot's ({@link SnapshotTaken}'s serializer id, manifest and
   * payload), as one journaled write. Refused, changing nothing, when the payload is not a store
   * snapshot, or when the store has had writes ({@link #RESTORE_NOT_EMPTY}) and {@code force} is off.
   */
  public record Restore(int serializerId, String manifest, byte[] payload, boolean force,
      ActorRef<StatusReply<WriteResult>> replyTo) implements Command {
    /** Sent twice, the second would be refused as a restore into a store that is no longer empty. */
    @Override
    public boolean idempotent() {
      return false;
    }
  }

  /** Begins the error of a restore into a store that has had writes, without {@code force}. */
  public static final String RESTORE_NOT_EMPTY = "the store is not empty";

  /** One DC's federation state ({@code value} null when absent); the index is the table's. */
  public record GetFederationState(
      String datacenter, long minIndex, Duration waitTime,
      ActorRef<StatusReply<QueryResult<FederationState>>> replyTo)
      implements Command {}

  /** All federation states, sorted by datacenter. */
  public record ListFederationStates(
      long minIndex, Duration waitTime, ActorRef<StatusReply<QueryResult<List<FederationState>>>> replyTo)
      implements Command {}

  /** DC → its mesh gateways, for every state with at least one gateway (sorted by DC). */
  public record ListMeshGateways(
      long minIndex, Duration waitTime,
      ActorRef<StatusReply<QueryResult<Map<String, List<CheckServiceNode>>>>> replyTo)
      implements Command {}

  /**
   * Service instances by name, or by kind when {@code kind} is non-empty; each with its node and
   * the node's and the service's checks. Sorted by node name, then service id.
   */
  public record ListServices(
      String name, String kind, long minIndex, Duration waitTime,
      ActorRef<StatusReply<QueryResult<List<CheckServiceNode>>>> replyTo)
      implements Command {}

  /** The whole ACL table; the index is the table's. */
  public record ListAcl(long minIndex, Duration waitTime, ActorRef<StatusReply<QueryResult<AclEntries>>> replyTo)
      implements Command {}

  /** What a write produced: the store index after it, and whether it changed anything. */
  public record WriteResult(long index, boolean applied) implements StoreSerializable {}

  /**
   * A read's result with the index it reflects (never 0: an empty table reports 1). One concrete
   * record per read, so that a result keeps its element types when it crosses the cluster.
   */
  public sealed interface QueryResult<T> extends StoreSerializable
      permits FederationStateResult, FederationStatesResult, MeshGatewaysResult, ServicesResult, AclResult,
          DecommissionedResult {
    long index();

    T value();

    /** Whether the API left entries out that the caller's ACL token cannot read; the store never does. */
    default boolean filteredByAcls() {
      return false;
    }
  }

  /** {@code value} is null when the DC has no federation state. */
  public record FederationStateResult(long index, FederationState value) implements QueryResult<FederationState> {}

  public record FederationStatesResult(long index, List<FederationState> value)
      implements QueryResult<List<FederationState>> {}

  public record MeshGatewaysResult(long index, Map<String, List<CheckServiceNode>> value, boolean filteredByAcls)
      implements QueryResult<Map<String, List<CheckServiceNode>>> {
    public MeshGatewaysResult(long index, Map<String, List<CheckServiceNode>> value) {
      this(index, value, false);
    }
  }

  public record AclResult(long index, AclEntries value) implements QueryResult<AclEntries> {}

  public record DecommissionedResult(long index, List<Decommissioned> value)
      implements QueryResult<List<Decommissioned>> {}

  public record ServicesResult(long index, List<CheckServiceNode> value, boolean filteredByAcls)
      implements QueryResult<List<CheckServiceNode>> {
    public ServicesResult(long index, List<CheckServiceNode> value) {
      this(index, value, false);
    }
  }
}
