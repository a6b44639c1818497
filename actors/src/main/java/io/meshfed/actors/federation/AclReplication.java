package io.meshfed.actors.federation;

import io.meshfed.actors.forward.Cancellation;
import io.meshfed.actors.forward.ReplicationSignal;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;

/**
 * ACL replication, a leader routine of a secondary DC when ACLs are on: the primary's policies and
 * tokens (secret hashes only) are copied into the local store, so that this DC resolves tokens from its
 * own replica, even while the WAN path to the primary is down, and its gateways can register with a
 * token made in the primary before that path works. The same replication as federation states'
 * ({@link IndexReplication}): blocking fetches from the last index, the difference applied one record at
 * a time, the same limiter and retries. The replication token needs {@code acl:write} in the primary
 * (the secret hashes are read only by replication), as Consul's ACL replication token does.
 */
public final class AclReplication {
  public static final String NAME = "acl-replication";

  /** One entry of the ACL table: a policy or a token (exactly one of them set). */
  public record AclRecord(AclPolicy policy, AclToken token) {
    public AclRecord {
      if ((policy == null) == (token == null)) {
        throw new IllegalArgumentException("an ACL record is a policy or a token");
      }
    }
  }

  /** Policies sort before tokens, so a round writes the policies a new token names before the token. */
  static final RecordKind<AclRecord> RECORDS = new RecordKind<>() {
    @Override
    public String what() {
      return "ACL policies and tokens";
    }

    @Override
    public String one() {
      return "ACL entry";
    }

    @Override
    public String key(AclRecord r) {
      return r.policy() != null ? "policy " + r.policy().name() : "token " + r.token().accessorId();
    }

    @Override
    public long modifyIndex(AclRecord r) {
      return r.policy() != null ? r.policy().modifyIndex() : r.token().modifyIndex();
    }

    @Override
    public AclRecord asReplica(AclRecord remote) {
      return remote;
    }
  };

  /** The primary's ACL table as a secondary's replication reads it. */
  public interface PrimaryAcl {
    /** A blocking query of the primary's whole ACL table, secret hashes included. */
    CompletionStage<DcStore.QueryResult<AclEntries>> list(String token, long minIndex, Duration wait);
  }

  private static final ReplicationSignal UNHEARD = new ReplicationSignal() {
    @Override
    public void replicationStarted() {}

    @Override
    public void replicationResult(Throwable error) {}

    @Override
    public void replicationStopped() {}
  };

  private AclReplication() {}

  /**
   * @param store the local DC's store
   * @param primary the primary's ACL table
   * @param replicationToken read for every fetch, so a rotated token applies from the next round
   * @param status where this routine publishes its {@link ReplicationStatus}
   * @param primaryArrivals counts the primary's servers becoming alive in the WAN view
   */
  public static Behavior<IndexReplication.Command> create(StoreClient store, PrimaryAcl primary,
      Supplier<String> replicationToken, ReplicationStatusHolder status, LongSupplier primaryArrivals,
      FederationStateReplication.Settings settings) {
    return create(store, primary, replicationToken, status, primaryArrivals, settings, RoutineClock.SYSTEM);
  }

  static Behavior<IndexReplication.Command> create(StoreClient store, PrimaryAcl primary,
      Supplier<String> replicationToken, ReplicationStatusHolder status, LongSupplier primaryArrivals,
      FederationStateReplication.Settings settings, RoutineClock clock) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(primary, "primary");
    // No feature barrier (ACLs need no WAN feature), and the gateway locator hears only federation-state
    // replication, whose rounds already probe the same route.
    return IndexReplication.create(AclReplication.class, table(store, primary), replicationToken, () -> true,
        UNHEARD, status, primaryArrivals, settings, clock);
  }

  static List<AclRecord> records(AclEntries table) {
    List<AclRecord> records = new ArrayList<>();
    table.policies().forEach(p -> records.add(new AclRecord(p, null)));
    table.tokens().forEach(t -> records.add(new AclRecord(null, t)));
    return records;
  }

  private static ReplicatedTable<AclRecord> table(StoreClient store, PrimaryAcl primary) {
    return new ReplicatedTable<>() {
      @Override
      public RecordKind<AclRecord> kind() {
        return RECORDS;
      }

      @Override
      public CompletionStage<Snapshot<AclRecord>> fetch(String token, long minIndex, Duration wait) {
        return Cancellation.derived(primary.list(token, minIndex, wait),
            listed -> listed.thenApply(r -> new Snapshot<>(r.index(), records(r.value()))));
      }

      @Override
      public CompletionStage<List<AclRecord>> readLocal() {
        return store.<DcStore.QueryResult<AclEntries>>ask(reply -> new DcStore.ListAcl(0, Duration.ZERO, reply))
            .thenApply(r -> records(r.value()));
      }

      @Override
      public CompletionStage<?> apply(FederationStateOp op, AclRecord r) {
        boolean delete = op == FederationStateOp.DELETE;
        if (r.policy() != null) {
          AclPolicy p = r.policy();
          return store.<DcStore.WriteResult>ask(reply -> delete ? new DcStore.DeleteAclPolicy(p.name(), reply)
              : new DcStore.ApplyAclPolicy(p, reply));
        }
        AclToken t = r.token();
        return store.<DcStore.WriteResult>ask(reply -> delete ? new DcStore.DeleteAclToken(t.accessorId(), reply)
            : new DcStore.ApplyAclToken(t, reply));
      }
    };
  }
}
