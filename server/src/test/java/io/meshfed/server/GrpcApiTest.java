package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.DeregisterRequest;
import io.meshfed.protocol.v1.HealthCheck;
import io.meshfed.protocol.v1.ListServicesRequest;
import io.meshfed.protocol.v1.RegisterRequest;
import io.meshfed.protocol.v1.UpdateCheckRequest;
import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.FederationState;
import io.meshfed.protocol.v1.FederationStateOp;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.protocol.v1.ListMeshGatewaysRequest;
import io.meshfed.protocol.v1.Node;
import io.meshfed.protocol.v1.NodeService;
import io.meshfed.protocol.v1.OperatorServiceClient;
import io.meshfed.protocol.v1.MembersRequest;
import io.meshfed.protocol.v1.QueryOptions;
import io.meshfed.protocol.v1.ServiceAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC API of a real single-server DC, called with the generated Pekko gRPC client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcApiTest {
  @TempDir static Path dir;
  MeshfedServer server;
  GrpcClients clients;
  ActorSystem<Void> clientSystem;
  FederationStateServiceClient federation;
  OperatorServiceClient operator;

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.of());
    clients = new GrpcClients(server, "grpc-client");
    clientSystem = clients.system;
    federation = clients.federation;
    operator = clients.operator;
  }

  @AfterAll
  void stop() throws Exception {
    clients.close();
    TestServers.stop(server);
  }

  static FederationState state(String dc) {
    return FederationState.newBuilder().setDatacenter(dc).addMeshGateways(CheckServiceNode.newBuilder()
        .setNode(Node.newBuilder().setNode("gw-" + dc).setAddress("10.0.3.1").setDatacenter(dc))
        .setService(NodeService.newBuilder().setId("mesh-gateway").setService("mesh-gateway").setKind("mesh-gateway")
            .setPort(8443).putMeta("meshfed-wan-federation", "1")
            .putTaggedAddresses("wan", ServiceAddress.newBuilder().setAddress("203.0.113.3").setPort(443).build())))
        .build();
  }

  static <T> T await(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void applyGetListAndGateways() throws Exception {
    var applied = await(federation.apply(ApplyFederationStateRequest.newBuilder()
        .setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT).setState(state("dc3")).build()));
    assertThat(applied.getApplied()).isTrue();

    var got = await(federation.get(GetFederationStateRequest.newBuilder().setDatacenter("dc3").build()));
    assertThat(got.hasState()).isTrue();
    assertThat(got.getState().getModifyIndex()).isEqualTo(applied.getIndex());
    assertThat(got.getState().getUpdatedAtMs()).isPositive();
    assertThat(got.getMeta().getKnownLeader()).isTrue();

    var absent = await(federation.get(GetFederationStateRequest.newBuilder().setDatacenter("dc404").build()));
    assertThat(absent.hasState()).isFalse();

    var gws = await(federation.listMeshGateways(ListMeshGatewaysRequest.getDefaultInstance()));
    assertThat(gws.getDatacenterGatewaysMap().get("dc3").getGateways(0).getNode().getNode()).isEqualTo("gw-dc3");

    var members = await(operator.members(MembersRequest.newBuilder().setWan(true).build()));
    assertThat(members.getMembers(0).getName()).isEqualTo("n1.dc1");
  }

  @Test
  void invalidRequestsMapToInvalidArgument() {
    assertThatThrownBy(() -> await(federation.apply(ApplyFederationStateRequest.newBuilder()
        .setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT).build())))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).isEqualTo("invalid request: missing federation state datacenter");
        });
    assertThatThrownBy(() -> await(federation.apply(ApplyFederationStateRequest.newBuilder()
        .setState(state("dc3")).build())))
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getDescription()).startsWith("Invalid federation state operation"));
  }

  @Test
  void blockingListReturnsOnWrite() throws Exception {
    long start = await(federation.list(ListFederationStatesRequest.getDefaultInstance())).getMeta().getIndex();
    CompletionStage<ListFederationStatesResponse> parked = federation.list(ListFederationStatesRequest.newBuilder()
        .setOptions(QueryOptions.newBuilder().setMinIndex(start).setWaitMs(30_000)).build());
    assertThat(parked.toCompletableFuture()).isNotDone();
    var w = await(federation.apply(ApplyFederationStateRequest.newBuilder()
        .setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT).setState(state("dc4")).build()));
    assertThat(await(parked).getMeta().getIndex()).isEqualTo(w.getIndex());

    long idle = await(federation.list(ListFederationStatesRequest.newBuilder()
        .setOptions(QueryOptions.newBuilder().setMinIndex(w.getIndex()).setWaitMs(300)).build())).getMeta().getIndex();
    assertThat(idle).isEqualTo(w.getIndex());
  }

  @Test
  void watchPushesTheCurrentResultThenEveryChange() throws Exception {
    SinkQueueWithCancel<ListFederationStatesResponse> queue = federation
        .watchList(ListFederationStatesRequest.getDefaultInstance())
        .runWith(Sink.queue(), clientSystem);
    try {
      var first = await(queue.pull()).orElseThrow();
      var w = await(federation.apply(ApplyFederationStateRequest.newBuilder()
          .setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT).setState(state("dc5")).build()));
      var next = await(queue.pull()).orElseThrow();
      assertThat(next.getMeta().getIndex()).isEqualTo(w.getIndex()).isGreaterThan(first.getMeta().getIndex());
      assertThat(next.getStatesList()).extracting(FederationState::getDatacenter).contains("dc5");
      var deleted = await(federation.apply(ApplyFederationStateRequest.newBuilder()
          .setOp(FederationStateOp.FEDERATION_STATE_OP_DELETE)
          .setState(FederationState.newBuilder().setDatacenter("dc5")).build()));
      var afterDelete = await(queue.pull()).orElseThrow();
      assertThat(afterDelete.getMeta().getIndex()).isEqualTo(deleted.getIndex());
      assertThat(afterDelete.getStatesList()).extracting(FederationState::getDatacenter).doesNotContain("dc5");
    } finally {
      queue.cancel();
    }
  }

  @Test
  void catalogRegisterListAndCheckUpdate() throws Exception {
    CatalogServiceClient catalog = clients.catalog;
    await(catalog.register(RegisterRequest.newBuilder()
        .setNode(Node.newBuilder().setNode("gw9.example.com").setAddress("10.0.9.1"))
        .setService(state("dc1").getMeshGateways(0).getService())
        .addChecks(HealthCheck.newBuilder().setCheckId("gw9").setName("alive").setStatus("passing")
            .setServiceId("mesh-gateway"))
        .build()));
    var listed = await(catalog.listServices(ListServicesRequest.newBuilder().setKind("mesh-gateway").build()));
    assertThat(listed.getNodesList()).extracting(n -> n.getNode().getNode()).contains("gw9.example.com");

    var updated = await(catalog.updateCheck(UpdateCheckRequest.newBuilder().setNode("gw9.example.com")
        .setCheckId("gw9").setStatus("critical").setOutput("connection refused").build()));
    var after = await(catalog.listServices(ListServicesRequest.newBuilder().setName("mesh-gateway")
        .setOptions(QueryOptions.newBuilder().setMinIndex(listed.getMeta().getIndex()).setWaitMs(5_000))
        .build()));
    assertThat(after.getMeta().getIndex()).isEqualTo(updated.getIndex());
    assertThat(after.getNodesList()).filteredOn(n -> n.getNode().getNode().equals("gw9.example.com"))
        .singleElement().satisfies(n -> assertThat(n.getChecks(0).getStatus()).isEqualTo("critical"));

    assertThatThrownBy(() -> await(catalog.updateCheck(UpdateCheckRequest.newBuilder()
        .setNode("gw9.example.com").setCheckId("nope").setStatus("passing").build())))
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).isEqualTo("check 'nope' not found on node 'gw9.example.com'");
        });
    await(catalog.deregister(DeregisterRequest.newBuilder().setNode("gw9.example.com").build()));
  }

  @Test
  void unknownDatacenterHasNoPath() {
    assertThatThrownBy(() -> await(federation.get(GetFederationStateRequest.newBuilder()
        .setDatacenter("dc1").setTargetDatacenter("dc9").build())))
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).startsWith("No path to datacenter \"dc9\": cross-DC calls need TLS");
        });
  }
}
