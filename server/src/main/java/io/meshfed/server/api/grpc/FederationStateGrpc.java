package io.meshfed.server.api.grpc;

import io.meshfed.server.api.BlockingReads;
import io.meshfed.server.endpoint.FederationStateEndpoint;
import io.meshfed.server.endpoint.Protos;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.ApplyFederationStateResponse;
import io.meshfed.protocol.v1.FederationStateServicePowerApi;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.GetGatewayRolloutRequest;
import io.meshfed.protocol.v1.GetFederationStateResponse;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.protocol.v1.ListMeshGatewaysRequest;
import io.meshfed.protocol.v1.ListMeshGatewaysResponse;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.stream.javadsl.Source;

/** {@code meshfed.v1.FederationStateService} on top of {@link FederationStateEndpoint}. */
public final class FederationStateGrpc implements FederationStateServicePowerApi {
  private final FederationStateEndpoint endpoint;
  private final BlockingReads reads;

  public FederationStateGrpc(FederationStateEndpoint endpoint, BlockingReads reads) {
    this.endpoint = endpoint;
    this.reads = reads;
  }

  @Override
  public CompletionStage<ApplyFederationStateResponse> apply(ApplyFederationStateRequest in, Metadata metadata) {
    return GrpcSupport.unary(Protos.apply(endpoint, GrpcSupport.token(metadata), in), Protos::applyResponse);
  }

  @Override
  public CompletionStage<GetFederationStateResponse> get(GetFederationStateRequest in, Metadata metadata) {
    QueryOptions q = getOptions(in);
    return GrpcSupport.unary(reads.run(q, () -> get(in, metadata, q)), Protos::getResponse);
  }

  @Override
  public CompletionStage<ListFederationStatesResponse> list(ListFederationStatesRequest in, Metadata metadata) {
    QueryOptions q = Protos.options(in.getOptions());
    return GrpcSupport.unary(reads.run(q, () -> endpoint.list(GrpcSupport.token(metadata), q)), Protos::listResponse);
  }

  @Override
  public CompletionStage<ListMeshGatewaysResponse> listMeshGateways(ListMeshGatewaysRequest in, Metadata metadata) {
    QueryOptions q = Protos.options(in.getOptions());
    return GrpcSupport.unary(reads.run(q, () -> endpoint.listMeshGateways(GrpcSupport.token(metadata), q)),
        Protos::gatewaysResponse);
  }

  @Override
  public CompletionStage<io.meshfed.protocol.v1.GatewayRollout> rollout(GetGatewayRolloutRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.rollout(GrpcSupport.token(metadata), in.getRemoveList()), Protos::rollout);
  }

  @Override
  public Source<GetFederationStateResponse, NotUsed> watchGet(GetFederationStateRequest in, Metadata metadata) {
    QueryOptions q = watchOptions(getOptions(in));
    return GrpcSupport.watch(reads, q, after -> get(in, metadata, q.withMinIndex(after)),
        QueryResult::index, Protos::getResponse);
  }

  @Override
  public Source<ListFederationStatesResponse, NotUsed> watchList(ListFederationStatesRequest in, Metadata metadata) {
    QueryOptions q = watchOptions(Protos.options(in.getOptions()));
    String token = GrpcSupport.token(metadata);
    return GrpcSupport.watch(reads, q, after -> endpoint.list(token, q.withMinIndex(after)),
        QueryResult::index, Protos::listResponse);
  }

  @Override
  public Source<ListMeshGatewaysResponse, NotUsed> watchMeshGateways(ListMeshGatewaysRequest in, Metadata metadata) {
    QueryOptions q = watchOptions(Protos.options(in.getOptions()));
    String token = GrpcSupport.token(metadata);
    return GrpcSupport.watch(reads, q, after -> endpoint.listMeshGateways(token, q.withMinIndex(after)),
        QueryResult::index, Protos::gatewaysResponse);
  }

  private CompletionStage<QueryResult<FederationState>> get(GetFederationStateRequest in, Metadata metadata,
      QueryOptions q) {
    return endpoint.get(GrpcSupport.token(metadata), in.getDatacenter(), q);
  }

  /** Consul's TargetDatacenter routes the read; the options' own datacenter is the fallback. */
  private static QueryOptions getOptions(GetFederationStateRequest in) {
    QueryOptions q = Protos.options(in.getOptions());
    String target = in.getTargetDatacenter().isEmpty() ? q.datacenter() : in.getTargetDatacenter();
    return new QueryOptions(target, q.minIndex(), q.maxWait());
  }

  static QueryOptions watchOptions(QueryOptions q) {
    return new QueryOptions(q.datacenter(), q.minIndex(), GrpcSupport.WATCH_ROUND);
  }



}
