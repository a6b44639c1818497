package io.meshfed.actors.forward;

import io.meshfed.protocol.errors.ApiException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Internal RPC to any server of another DC: through a mesh gateway, with TLS and SNI
 * {@code server.<dc>.<domain>}. Failures are {@link ApiException}s with the codes the API gives.
 */
public interface RemoteDatacenters {
  /** No path to any other DC: what a server without cross-DC transport answers. */
  RemoteDatacenters NONE = (datacenter, method, request, deadline) ->
      CompletableFuture.failedFuture(ApiException.noPathTo(datacenter));

  /**
   * @param request a serialized {@code meshfed.internal.Forwarded}
   * @return the serialized response message of {@code method}
   */
  CompletionStage<byte[]> call(String datacenter, String method, byte[] request, Duration deadline);
}
