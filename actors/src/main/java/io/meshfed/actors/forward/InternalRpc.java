package io.meshfed.actors.forward;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.transport.metrics.Meters;
import io.meshfed.transport.rpc.PoolKey;
import io.meshfed.transport.rpc.RpcClient;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Internal RPC ({@code meshfed/rpc}) to a server of this or another DC, routed by the {@link Dialer}.
 * Failures are {@link ApiException}s with the codes the API gives, so a forwarded call fails as a
 * local one would. Each call that was routed is timed in {@code meshfed_internal_rpc_client_duration_seconds}
 * by method, target DC and outcome. A DC the dialer cannot route to fails before and is not timed; as a
 * client may still name DCs that do not exist (the dialer sends those to this DC's gateways), past
 * {@link #MAX_DATACENTERS} distinct names the rest are labelled {@code other}, so no caller can grow the
 * metric without bound.
 */
public final class InternalRpc implements RemoteDatacenters {
  private final RpcClient client;
  private final Dialer dialer;
  static final int MAX_DATACENTERS = 64;
  static final String OTHER = "other";

  private final Meters meters;
  private final Set<String> labelled = ConcurrentHashMap.newKeySet();

  /** Times calls in a registry of its own, which nothing scrapes (tests). */
  public InternalRpc(RpcClient client, Dialer dialer) {
    this(client, dialer, new Meters());
  }

  /** @param meters the server's registry, where the calls are timed */
  public InternalRpc(RpcClient client, Dialer dialer, Meters meters) {
    this.client = client;
    this.dialer = dialer;
    this.meters = meters;
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
    long started = System.nanoTime();
    return Cancellation.derived(client.call(key, method, request, deadline), call -> call.whenComplete((answer, err) ->
        timer(method, key.datacenter(), err == null ? "ok" : "error").record(System.nanoTime() - started,
            TimeUnit.NANOSECONDS)).exceptionally(err -> {
              throw RpcErrors.toApi(err, datacenter);
            }));
  }

  private String label(String datacenter) {
    if (labelled.contains(datacenter)) {
      return datacenter;
    }
    synchronized (labelled) {
      if (labelled.size() >= MAX_DATACENTERS) {
        return OTHER;
      }
      labelled.add(datacenter);
      return datacenter;
    }
  }

  private Timer timer(String method, String datacenter, String outcome) {
    return meters.timer("meshfed.internal.rpc.client.duration", "internal RPC calls this server made, from the call"
        + " to its answer or failure, by method, target datacenter and outcome (ok, error); blocking reads"
        + " include their wait", Meters.FAST)
        .tags("method", method, "datacenter", label(datacenter), "outcome", outcome).register(meters.registry());
  }
}
