package io.meshfed.server.api.grpc;

import io.meshfed.protocol.v1.AclBootstrapRequest;
import io.meshfed.protocol.v1.AclDeleteResponse;
import io.meshfed.protocol.v1.AclPolicy;
import io.meshfed.protocol.v1.AclServicePowerApi;
import io.meshfed.protocol.v1.AclToken;
import io.meshfed.protocol.v1.DeleteAclPolicyRequest;
import io.meshfed.protocol.v1.DeleteAclTokenRequest;
import io.meshfed.protocol.v1.ListAclRequest;
import io.meshfed.protocol.v1.ListAclResponse;
import io.meshfed.protocol.v1.WriteAclPolicyRequest;
import io.meshfed.protocol.v1.WriteAclTokenRequest;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.server.endpoint.AclEndpoint;
import io.meshfed.server.endpoint.AclProtos;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.grpc.javadsl.Metadata;

/** {@code meshfed.v1.AclService} on top of {@link AclEndpoint}. */
public final class AclGrpc implements AclServicePowerApi {
  private final AclEndpoint endpoint;

  public AclGrpc(AclEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public CompletionStage<AclToken> bootstrap(AclBootstrapRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.bootstrap(), AclProtos::answerProto);
  }

  @Override
  public CompletionStage<AclPolicy> writePolicy(WriteAclPolicyRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.writePolicy(GrpcSupport.token(metadata), AclProtos.fromProto(in.getPolicy())),
        AclProtos::toProto);
  }

  @Override
  public CompletionStage<AclDeleteResponse> deletePolicy(DeleteAclPolicyRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.deletePolicy(GrpcSupport.token(metadata), in.getName()), AclGrpc::deleted);
  }

  @Override
  public CompletionStage<AclToken> writeToken(WriteAclTokenRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.writeToken(GrpcSupport.token(metadata), AclProtos.tokenWrite(in.getToken())),
        AclProtos::answerProto);
  }

  @Override
  public CompletionStage<AclDeleteResponse> deleteToken(DeleteAclTokenRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.deleteToken(GrpcSupport.token(metadata), in.getAccessorId()),
        AclGrpc::deleted);
  }

  /** Never with secret hashes: only replication, over internal RPC, reads those. */
  @Override
  public CompletionStage<ListAclResponse> list(ListAclRequest in, Metadata metadata) {
    return GrpcSupport.unary(endpoint.list(GrpcSupport.token(metadata),
        io.meshfed.server.endpoint.Protos.options(in.getOptions()), false), AclProtos::listResponse);
  }

  private static AclDeleteResponse deleted(DcStore.WriteResult w) {
    return AclDeleteResponse.newBuilder().setIndex(w.index()).setApplied(w.applied()).build();
  }
}
