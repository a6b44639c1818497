package io.meshfed.server.api.grpc;

import io.meshfed.server.endpoint.OperatorEndpoint;
import io.meshfed.protocol.v1.LeaderRequest;
import io.meshfed.protocol.v1.LeaderResponse;
import io.meshfed.protocol.v1.Member;
import io.meshfed.protocol.v1.MembersRequest;
import io.meshfed.protocol.v1.MembersResponse;
import io.meshfed.protocol.v1.OperatorServicePowerApi;
import io.meshfed.protocol.v1.Routine;
import io.meshfed.protocol.v1.RoutinesRequest;
import io.meshfed.protocol.v1.RoutinesResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.grpc.javadsl.Metadata;

/** {@code meshfed.v1.OperatorService} on top of {@link OperatorEndpoint}. */
public final class OperatorGrpc implements OperatorServicePowerApi {
  private final OperatorEndpoint endpoint;

  public OperatorGrpc(OperatorEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public CompletionStage<LeaderResponse> leader(LeaderRequest in, Metadata metadata) {
    return now(() -> LeaderResponse.newBuilder()
        .setAddress(endpoint.leader(GrpcSupport.token(metadata))).setNode(endpoint.leaderNode()).build());
  }

  @Override
  public CompletionStage<MembersResponse> members(MembersRequest in, Metadata metadata) {
    return now(() -> {
      var b = MembersResponse.newBuilder();
      endpoint.members(GrpcSupport.token(metadata), in.getWan()).forEach(m -> b.addMembers(Member.newBuilder()
          .setName(m.name()).setAddress(m.address() + ":" + m.port()).setStatus(m.status())
          .setDatacenter(m.datacenter()).putAllTags(m.tags()).build()));
      return b.build();
    });
  }

  @Override
  public CompletionStage<RoutinesResponse> routines(RoutinesRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.routines(GrpcSupport.token(metadata)), report -> {
      var b = RoutinesResponse.newBuilder().setLeader(report.leaderNode());
      report.routines().forEach(r -> b.addRoutines(Routine.newBuilder().setName(r.name()).setRunning(r.running())
          .setRestarts(r.restarts()).setLastError(r.lastError())
          .setLastErrorAtMs(r.lastErrorAt() == null ? 0 : r.lastErrorAt().toEpochMilli())
          .putAllDetails(report.details().getOrDefault(r.name(), java.util.Map.of()))));
      return b.build();
    });
  }

  @Override
  public CompletionStage<io.meshfed.protocol.v1.FederationStatusResponse> federationStatus(
      io.meshfed.protocol.v1.FederationStatusRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.federation(GrpcSupport.token(metadata), in.getDatacenter()),
        FederationStatusProtos::response);
  }

  private static <T> CompletionStage<T> now(Supplier<T> call) {
    try {
      return CompletableFuture.completedFuture(call.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(GrpcSupport.toGrpc(e));
    }
  }
}
