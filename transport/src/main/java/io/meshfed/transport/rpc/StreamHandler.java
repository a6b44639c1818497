package io.meshfed.transport.rpc;

/**
 * Serves one server-streaming method: sends items through the sink, then completes or fails it.
 * Called on the connection's event loop: it must not block. The returned {@link Cancellable} is
 * invoked when the caller cancels, the deadline passes or the connection closes.
 */
@FunctionalInterface
public interface StreamHandler {
  Cancellable handle(byte[] request, StreamSink sink);
}
