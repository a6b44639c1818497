package io.meshfed.transport.rpc;

/** A running server stream on the client side. */
public interface RpcStream {
  /**
   * Stops the stream: the server's handler is cancelled and the listener receives CANCELLED (on the
   * calling thread) unless the stream had already ended.
   */
  void cancel();
}
