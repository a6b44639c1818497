package io.meshfed.transport.rpc;

/**
 * Where a {@link StreamHandler} sends its items. Safe to call from any thread; calls after the stream
 * ended (completed, failed, cancelled, deadline passed, connection closed) are ignored.
 */
public interface StreamSink {
  void next(byte[] item);

  void complete();

  /** Ends the stream with an error; an {@link RpcException} keeps its code, anything else is INTERNAL. */
  void fail(Throwable error);

  /** True once nobody reads the stream any more, for producers that poll instead of using the Cancellable. */
  boolean isCancelled();
}
