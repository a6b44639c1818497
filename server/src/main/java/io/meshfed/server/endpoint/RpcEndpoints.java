package io.meshfed.server.endpoint;

import io.meshfed.actors.forward.RpcErrors;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.v1.AclBootstrapRequest;
import io.meshfed.protocol.v1.AclDeleteResponse;
import io.meshfed.protocol.v1.DeleteAclPolicyRequest;
import io.meshfed.protocol.v1.DeleteAclTokenRequest;
import io.meshfed.protocol.v1.ListAclRequest;
import io.meshfed.protocol.v1.WriteAclPolicyRequest;
import io.meshfed.protocol.v1.WriteAclTokenRequest;
import com.google.protobuf.Message;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.protocol.internal.Forwarded;
import io.meshfed.protocol.v1.GetGatewayRolloutRequest;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListMeshGatewaysRequest;
import io.meshfed.transport.rpc.RpcCode;
import io.meshfed.transport.rpc.RpcException;
import io.meshfed.transport.rpc.RpcServer;
import io.meshfed.transport.rpc.UnaryHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The endpoints on internal RPC ({@code meshfed/rpc}): calls forwarded from other DCs arrive here
 * and are served by the same endpoint code as the gRPC and HTTP APIs, token included.
 */
public final class RpcEndpoints {
  private RpcEndpoints() {}

  public static RpcServer server(FederationStateEndpoint federation, AclEndpoint acl) {
    return server(federation, acl, new InternalRpcCalls());
  }

  /** @param calls counts every call served, by method and source DC */
  public static RpcServer server(FederationStateEndpoint federation, AclEndpoint acl, InternalRpcCalls calls) {
    ListAnswers listAnswers = new ListAnswers();
    return new Counted(calls)
        .unary(FederationStateEndpoint.APPLY, (token, bytes) -> {
          ApplyFederationStateRequest in = ApplyFederationStateRequest.parseFrom(bytes);
          return Protos.apply(federation, token, in).thenApply(Protos::applyResponse);
        })
        .unary(FederationStateEndpoint.GET, (token, bytes) -> {
          GetFederationStateRequest in = GetFederationStateRequest.parseFrom(bytes);
          QueryOptions q = Protos.options(in.getOptions());
          QueryOptions target = new QueryOptions(in.getTargetDatacenter(), q.minIndex(), q.maxWait());
          return federation.get(token, in.getDatacenter(), target).thenApply(Protos::getResponse);
        })
        .encoded(FederationStateEndpoint.LIST, (token, bytes, envelope) -> federation
            .list(token, Protos.options(ListFederationStatesRequest.parseFrom(bytes).getOptions()),
                envelope.hasReplica() ? Protos.replicaReport(envelope.getReplica()) : null)
            .thenApply(listAnswers::bytes))
        .unary(FederationStateEndpoint.LIST_DECOMMISSIONED, (token, bytes) -> {
          io.meshfed.protocol.v1.ListDecommissionedRequest.parseFrom(bytes);
          return federation.decommissioned(token).thenApply(Protos::decommissioned);
        })
        .unary(FederationStateEndpoint.ROLLOUT, (token, bytes) -> federation
            .rollout(token, GetGatewayRolloutRequest.parseFrom(bytes).getRemoveList())
            .thenApply(Protos::rollout))
        .unary(FederationStateEndpoint.LIST_MESH_GATEWAYS, (token, bytes) -> federation
            .listMeshGateways(token, Protos.options(ListMeshGatewaysRequest.parseFrom(bytes).getOptions()))
            .thenApply(Protos::gatewaysResponse))
        .unary(AclEndpoint.BOOTSTRAP, (token, bytes) -> {
          AclBootstrapRequest.parseFrom(bytes);
          return acl.bootstrap().thenApply(AclProtos::answerProto);
        })
        .unary(AclEndpoint.WRITE_POLICY, (token, bytes) -> acl
            .writePolicy(token, AclProtos.fromProto(WriteAclPolicyRequest.parseFrom(bytes).getPolicy()))
            .thenApply(AclProtos::toProto))
        .unary(AclEndpoint.DELETE_POLICY, (token, bytes) -> acl
            .deletePolicy(token, DeleteAclPolicyRequest.parseFrom(bytes).getName()).thenApply(RpcEndpoints::deleted))
        .unary(AclEndpoint.WRITE_TOKEN, (token, bytes) -> acl
            .writeToken(token, AclProtos.tokenWrite(WriteAclTokenRequest.parseFrom(bytes).getToken()))
            .thenApply(AclProtos::answerProto))
        .unary(AclEndpoint.DELETE_TOKEN, (token, bytes) -> acl
            .deleteToken(token, DeleteAclTokenRequest.parseFrom(bytes).getAccessorId()).thenApply(RpcEndpoints::deleted))
        .unary(AclEndpoint.LIST, (token, bytes) -> {
          ListAclRequest in = ListAclRequest.parseFrom(bytes);
          return acl.list(token, Protos.options(in.getOptions()), in.getWithSecretHashes())
              .thenApply(AclProtos::listResponse);
        })
        .build();
  }

  private static AclDeleteResponse deleted(DcStore.WriteResult w) {
    return AclDeleteResponse.newBuilder().setIndex(w.index()).setApplied(w.applied()).build();
  }

  private interface Call {
    CompletionStage<? extends Message> serve(String token, byte[] request) throws InvalidProtocolBufferException;
  }

  /** A call that also reads the envelope's own fields. */
  private interface EnvelopeCall {
    CompletionStage<? extends Message> serve(String token, byte[] request, Forwarded envelope)
        throws InvalidProtocolBufferException;
  }

  /** A call whose answer comes already encoded. */
  private interface EncodedCall {
    CompletionStage<byte[]> serve(String token, byte[] request, Forwarded envelope)
        throws InvalidProtocolBufferException;
  }

  /** The server's builder, every method's calls counted. */
  private static final class Counted {
    private final RpcServer.Builder builder = RpcServer.builder();
    private final InternalRpcCalls calls;

    Counted(InternalRpcCalls calls) {
      this.calls = calls;
    }

    Counted unary(String method, Call call) {
      return unary(method, (token, request, envelope) -> call.serve(token, request));
    }

    Counted unary(String method, EnvelopeCall call) {
      return encoded(method, (token, request, envelope) -> call.serve(token, request, envelope)
          .thenApply(Message::toByteArray));
    }

    Counted encoded(String method, EncodedCall call) {
      builder.unary(method, handler(calls, method, call));
      return this;
    }

    RpcServer build() {
      return builder.build();
    }
  }

  private static UnaryHandler handler(InternalRpcCalls calls, String method, EncodedCall call) {
    return bytes -> {
      try {
        Forwarded forwarded = Forwarded.parseFrom(bytes);
        calls.served(method, forwarded.getSourceDatacenter());
        String token = forwarded.getToken().isEmpty() ? null : forwarded.getToken();
        return call.serve(token, forwarded.getRequest().toByteArray(), forwarded)
            .handle((response, err) -> {
              if (err != null) {
                throw RpcErrors.toRpc(err);
              }
              return response;
            });
      } catch (InvalidProtocolBufferException e) {
        return CompletableFuture.failedFuture(
            new RpcException(RpcCode.INVALID_ARGUMENT, "malformed forwarded request: " + e.getMessage()));
      }
    };
  }
}
