package io.meshfed.transport.rpc;

/**
 * Receives a server stream. Items arrive in order on the connection's event loop, so a listener must
 * not block. Exactly one of {@link #onEnd()} and {@link #onError(RpcException)} ends every stream.
 */
public interface StreamListener {
  void onItem(byte[] item);

  void onEnd();

  void onError(RpcException error);
}
