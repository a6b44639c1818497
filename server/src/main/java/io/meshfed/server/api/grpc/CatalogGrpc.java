package io.meshfed.server.api.grpc;

import io.meshfed.server.api.BlockingReads;
import io.meshfed.server.endpoint.CatalogEndpoint;
import io.meshfed.server.endpoint.Protos;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.v1.CatalogServicePowerApi;
import io.meshfed.protocol.v1.DeregisterRequest;
import io.meshfed.protocol.v1.ListServicesRequest;
import io.meshfed.protocol.v1.ListServicesResponse;
import io.meshfed.protocol.v1.RegisterRequest;
import io.meshfed.protocol.v1.UpdateCheckRequest;
import io.meshfed.protocol.v1.WriteResponse;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.stream.javadsl.Source;

/** {@code meshfed.v1.CatalogService} on top of {@link CatalogEndpoint}. */
public final class CatalogGrpc implements CatalogServicePowerApi {
  private final CatalogEndpoint endpoint;
  private final BlockingReads reads;

  public CatalogGrpc(CatalogEndpoint endpoint, BlockingReads reads) {
    this.endpoint = endpoint;
    this.reads = reads;
  }

  @Override
  public CompletionStage<WriteResponse> register(RegisterRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.register(GrpcSupport.token(metadata),
        in.hasNode() ? ProtoConvert.fromProto(in.getNode()) : null,
        in.hasService() ? ProtoConvert.fromProto(in.getService()) : null,
        in.getChecksList().stream().map(ProtoConvert::fromProto).toList()), CatalogGrpc::written);
  }

  @Override
  public CompletionStage<WriteResponse> deregister(DeregisterRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.deregister(GrpcSupport.token(metadata), "", in.getNode(), in.getServiceId(),
        in.getCheckId()), CatalogGrpc::written);
  }

  @Override
  public CompletionStage<WriteResponse> updateCheck(UpdateCheckRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.updateCheck(GrpcSupport.token(metadata), in.getNode(), in.getCheckId(),
        in.getStatus(), in.getOutput()), CatalogGrpc::written);
  }

  @Override
  public CompletionStage<ListServicesResponse> listServices(ListServicesRequest in, Metadata metadata) {
    QueryOptions q = Protos.options(in.getOptions());
    return GrpcSupport.unary(reads.run(q, () -> endpoint.services(GrpcSupport.token(metadata), in.getName(),
        in.getKind(), q)), CatalogGrpc::listed);
  }

  @Override
  public Source<ListServicesResponse, NotUsed> watchServices(ListServicesRequest in, Metadata metadata) {
    QueryOptions q = FederationStateGrpc.watchOptions(Protos.options(in.getOptions()));
    String token = GrpcSupport.token(metadata);
    return GrpcSupport.watch(reads, q,
        after -> endpoint.services(token, in.getName(), in.getKind(), q.withMinIndex(after)),
        QueryResult::index, CatalogGrpc::listed);
  }

  private static WriteResponse written(WriteResult w) {
    return WriteResponse.newBuilder().setIndex(w.index()).build();
  }

  private static ListServicesResponse listed(QueryResult<List<CheckServiceNode>> r) {
    return ListServicesResponse.newBuilder().setMeta(Protos.meta(r))
        .addAllNodes(ProtoConvert.toProto(r.value())).build();
  }
}
