package io.meshfed.actors.federation;

import static io.meshfed.actors.federation.FederationFixture.join;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.store.StoreWatch;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ACL table's replication, the second user of {@link IndexReplication}, on real stores: the
 * primary's policies and tokens (secret hashes only) reach the secondary's store, changes and deletes
 * follow, and a {@link StoreWatch} of the secondary's store sees each version.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclReplicationTest extends FederationRoutineTestBase {

  @Test
  void thePrimarysTableIsCopiedAndFollowed() {
    StoreClient primary = fx.store(FederationFixture.uniqueDc("acl-primary"));
    StoreClient secondary = fx.store(FederationFixture.uniqueDc("acl-secondary"));
    AclPolicy ops = new AclPolicy("ops", "operators", "{\"operator\":\"read\"}", 0, 0);
    AclToken token = new AclToken("00000000-0000-4000-8000-000000000001", "a".repeat(64), "gw", List.of("ops"),
        Instant.parse("2026-12-02T10:00:00Z"), 0, 0);
    write(primary, r -> new DcStore.ApplyAclPolicy(ops, r));
    write(primary, r -> new DcStore.ApplyAclToken(token, r));

    AtomicReference<AclEntries> watched = new AtomicReference<>(AclEntries.EMPTY);
    spawnRoutine(StoreWatch.create("ACL table", secondary, DcStore.ListAcl::new,
        (DcStore.QueryResult<AclEntries> r) -> watched.set(r.value())));
    ReplicationStatusHolder status = new ReplicationStatusHolder();
    AclReplication.PrimaryAcl fromPrimary = (replicationToken, minIndex, wait) -> primary.askBlocking(
        new QueryOptions("", minIndex, wait), reply -> new DcStore.ListAcl(minIndex, wait, reply));
    spawnRoutine(AclReplication.create(secondary, fromPrimary, () -> "replication", status, () -> 0L,
        FederationStateReplication.Settings.defaults().withQueryWait(Duration.ofSeconds(5))));

    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(watched.get().policies()).extracting(AclPolicy::name).containsExactly("ops");
      assertThat(watched.get().tokens()).extracting(AclToken::accessorId, AclToken::secretHash, AclToken::policies)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(token.accessorId(), token.secretHash(), List.of("ops")));
    });
    assertThat(status.get().running()).isTrue();
    assertThat(status.get().lastError()).isNull();

    // A change and a delete in the primary follow, through the same blocking fetches.
    AclToken changed = new AclToken(token.accessorId(), token.secretHash(), "gw dc2", List.of("ops", "more"),
        token.createTime(), 0, 0);
    write(primary, r -> new DcStore.ApplyAclToken(changed, r));
    write(primary, r -> new DcStore.DeleteAclPolicy("ops", r));
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(watched.get().policies()).isEmpty();
      assertThat(watched.get().tokens()).extracting(AclToken::description).containsExactly("gw dc2");
    });
    write(primary, r -> new DcStore.DeleteAclToken(token.accessorId(), r));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> watched.get().tokens().isEmpty());
    assertThat(status.get().remoteIndex()).isEqualTo(
        join(primary.<DcStore.QueryResult<AclEntries>>ask(r -> new DcStore.ListAcl(0, Duration.ZERO, r))).index());
  }

  private static void write(StoreClient store,
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<org.apache.pekko.pattern.StatusReply<
          DcStore.WriteResult>>, DcStore.Command> command) {
    join(store.<DcStore.WriteResult>ask(command));
  }
}
