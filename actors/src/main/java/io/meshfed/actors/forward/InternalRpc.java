package io.meshfed.actors.forward;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.transport.rpc.PoolKey;
import io.meshfed.transport.rpc.RpcClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Internal RPC ({@code meshfed/rpc}) to a server of this or another DC, routed by the {@link Dialer}.
 * Failures are {@link ApiException}s with the codes the API gives, so a forwarded call fails as a
 * local one would.
 */
public final class InternalRpc implements RemoteDatacenters {
  private final RpcClient client;
  private final Dialer dialer;

  public InternalRpc(RpcClient client, Dialer dialer) {
    this.client = client;
    this.dialer = dialer;
  }

  @Override
  public CompletionStage<byte[]> call(String datacenter, String method, byte[] request, Duration deadline) {
    return call(datacenter, Dialer.ANY_SERVER, method, request, deadline);
  }

  /** Calls {@code method} on server {@code node} of {@code datacenter} (or any, {@link Dialer#ANY_SERVER}). */
  public CompletionStage<byte[]> call(String datacenter, String node, String method, byte[] request,
      Duration deadline) {
    PoolKey key;
    try {
      key = dialer.route(datacenter, node);
    } catch (ApiException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Cancellation.derived(client.call(key, method, request, deadline), call -> call.exceptionally(err -> {
      throw RpcErrors.toApi(err, datacenter);
    }));
  }
}
