package io.meshfed.transport.rpc;

import java.util.concurrent.CompletableFuture;

/** A request/response call; cancelling its future cancels the call on the server. */
final class UnaryCall extends ClientCall {
  final CompletableFuture<byte[]> result = new CompletableFuture<>();

  UnaryCall(PoolKey key, String method, byte[] request, long deadlineMillis) {
    super(key, method, request, false, deadlineMillis);
    result.whenComplete((response, error) -> {
      if (result.isCancelled()) {
        cancelLocally();
      }
    });
  }

  @Override
  void deliverResponse(byte[] response) {
    result.complete(response);
  }

  @Override
  void deliverItem(byte[] item) {
    failAndCancel(new RpcException(RpcCode.INTERNAL, "server sent a stream item for unary method " + method));
  }

  @Override
  void deliverEnd() {
    result.completeExceptionally(new RpcException(RpcCode.INTERNAL, "server ended unary method " + method + " without a response"));
  }

  @Override
  void deliverError(RpcException error) {
    result.completeExceptionally(error);
  }
}
