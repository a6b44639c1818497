package io.meshfed.transport.rpc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A server-streaming call, handed to the caller as its {@link RpcStream}. */
final class StreamCall extends ClientCall implements RpcStream {
  private static final Logger LOG = LoggerFactory.getLogger(StreamCall.class);

  private final StreamListener listener;

  StreamCall(PoolKey key, String method, byte[] request, long deadlineMillis, StreamListener listener) {
    super(key, method, request, true, deadlineMillis);
    this.listener = listener;
  }

  @Override
  public void cancel() {
    if (cancelLocally()) {
      listener.onError(new RpcException(RpcCode.CANCELLED, method + " cancelled by the caller"));
    }
  }

  @Override
  void deliverResponse(byte[] response) {
    listener.onError(new RpcException(RpcCode.INTERNAL, "server sent a unary response for stream method " + method));
  }

  @Override
  void deliverItem(byte[] item) {
    try {
      listener.onItem(item);
    } catch (RuntimeException e) {
      // The listener cannot take more items: stop the server rather than keep feeding it.
      LOG.warn("stream listener of {} on {} failed; cancelling the stream", method, key.describe(), e);
      cancel();
    }
  }

  @Override
  void deliverEnd() {
    listener.onEnd();
  }

  @Override
  void deliverError(RpcException error) {
    listener.onError(error);
  }
}
