package io.meshfed.persistence.store;

import io.meshfed.persistence.store.DcStore.Command;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.persistence.store.DcStore.WriteResult;
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
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/** Synchronous calls to one store, for tests: each call waits for its reply. */
final class StoreClient {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final ActorTestKit testKit;
  final ActorRef<Command> store;

  StoreClient(ActorTestKit testKit, String datacenter) {
    this.testKit = testKit;
    this.store = testKit.spawn(DcStore.create(datacenter));
  }

  StatusReply<WriteResult> upsert(FederationState state) {
    return write(r -> new DcStore.ApplyFederationState(FederationStateOp.UPSERT, state, r));
  }

  /** As a secondary's replication writes a copy of the primary's record. */
  StatusReply<WriteResult> replicate(FederationState state) {
    return write(r -> new DcStore.ApplyFederationState(FederationStateOp.UPSERT, state, true, r));
  }

  StatusReply<WriteResult> delete(String datacenter) {
    return write(r -> new DcStore.ApplyFederationState(
        FederationStateOp.DELETE, Fixtures.federationState(datacenter), r));
  }

  StatusReply<WriteResult> decommission(String datacenter, java.time.Instant at) {
    return write(r -> new DcStore.DecommissionDatacenter(datacenter, at, r));
  }

  StatusReply<WriteResult> recommission(String datacenter) {
    return write(r -> new DcStore.RecommissionDatacenter(datacenter, r));
  }

  QueryResult<List<DcStore.Decommissioned>> decommissioned() {
    return read(r -> new DcStore.ListDecommissioned(r));
  }

  StatusReply<WriteResult> register(Node node, NodeService service, HealthCheck... checks) {
    return write(r -> new DcStore.RegisterCatalog(node, service, List.of(checks), r));
  }

  StatusReply<WriteResult> deregister(String node, String serviceId, String checkId) {
    return write(r -> new DcStore.DeregisterCatalog(node, serviceId, checkId, r));
  }

  StatusReply<WriteResult> updateCheck(String node, String checkId, String status, String output) {
    return write(r -> new DcStore.UpdateCheck(node, checkId, status, output, r));
  }

  StatusReply<WriteResult> policy(AclPolicy policy) {
    return write(r -> new DcStore.ApplyAclPolicy(policy, r));
  }

  StatusReply<WriteResult> deletePolicy(String name) {
    return write(r -> new DcStore.DeleteAclPolicy(name, r));
  }

  StatusReply<WriteResult> token(AclToken token) {
    return write(r -> new DcStore.ApplyAclToken(token, r));
  }

  StatusReply<WriteResult> deleteToken(String accessorId) {
    return write(r -> new DcStore.DeleteAclToken(accessorId, r));
  }

  StatusReply<WriteResult> bootstrap(AclToken token) {
    return write(r -> new DcStore.BootstrapAcl(token, r));
  }

  QueryResult<AclEntries> acl() {
    return read(r -> new DcStore.ListAcl(0, null, r));
  }

  /** A write that must succeed; returns the index it produced. */
  long ok(StatusReply<WriteResult> reply) {
    if (reply.isError()) {
      throw new AssertionError("write failed: " + reply.getError().getMessage());
    }
    return reply.getValue().index();
  }

  QueryResult<FederationState> get(String datacenter) {
    return read(r -> new DcStore.GetFederationState(datacenter, 0, null, r));
  }

  QueryResult<List<FederationState>> listStates() {
    return read(r -> new DcStore.ListFederationStates(0, null, r));
  }

  QueryResult<Map<String, List<CheckServiceNode>>> meshGateways() {
    return read(r -> new DcStore.ListMeshGateways(0, null, r));
  }

  QueryResult<List<CheckServiceNode>> services(String name, String kind) {
    return read(r -> new DcStore.ListServices(name, kind, 0, null, r));
  }

  DcStore.SnapshotTaken snapshot() {
    TestProbe<StatusReply<DcStore.SnapshotTaken>> probe = testKit.createTestProbe();
    store.tell(new DcStore.TakeSnapshot(probe.ref()));
    return probe.receiveMessage(TIMEOUT).getValue();
  }

  StatusReply<WriteResult> restore(SnapshotFile.Contents contents, boolean force) {
    return write(r -> contents.restore(force, r));
  }

  private StatusReply<WriteResult> write(
      Function<ActorRef<StatusReply<WriteResult>>, Command> message) {
    TestProbe<StatusReply<WriteResult>> probe = testKit.createTestProbe();
    store.tell(message.apply(probe.ref()));
    return probe.receiveMessage(TIMEOUT);
  }

  private <T> QueryResult<T> read(
      Function<ActorRef<StatusReply<QueryResult<T>>>, Command> message) {
    TestProbe<StatusReply<QueryResult<T>>> probe = testKit.createTestProbe();
    store.tell(message.apply(probe.ref()));
    return probe.receiveMessage(TIMEOUT).getValue();
  }
}
