package io.meshfed.transport.rpc;

import java.util.concurrent.CompletionStage;

/**
 * Serves one request/response method. Called on the connection's event loop: it must not block.
 * The RPC layer cancels the returned stage's {@code toCompletableFuture()} when the caller cancels,
 * the deadline passes or the connection closes.
 */
@FunctionalInterface
public interface UnaryHandler {
  CompletionStage<byte[]> handle(byte[] request);
}
