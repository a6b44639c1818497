package io.meshfed.actors.forward;

import io.meshfed.actors.endpoint.ApiException;
import io.meshfed.actors.endpoint.RemoteDatacenters;
import io.meshfed.protocol.names.Names;
import io.meshfed.transport.rpc.PoolKey;
import io.meshfed.transport.rpc.RpcClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reaches another DC through one of its mesh gateways (DESIGN §6, reference §8.3): the TCP
 * connection goes to the gateway, the TLS SNI is {@code server.<dc>.<domain>} so the gateway routes
 * to any of that DC's servers. Gateways come from {@code static-gateways}, and for the primary also
 * from {@code primary-gateways}, until the gateway locator arrives.
 */
public final class GatewayForwarder implements RemoteDatacenters {
  /** The pool key's node for "any server of the DC": the SNI does not name one. */
  static final String ANY_SERVER = "*";

  private final Optional<RpcClient> client;
  private final Map<String, List<String>> gateways;

  /**
   * @param client empty when TLS is not configured: then every cross-DC call fails with a clear
   *     error instead of going out in plaintext
   */
  public GatewayForwarder(Optional<RpcClient> client, Map<String, List<String>> gateways) {
    this.client = client;
    this.gateways = gateways;
  }

  @Override
  public CompletionStage<byte[]> call(String datacenter, String method, byte[] request, Duration deadline) {
    String dc = Names.datacenterKey(datacenter);
    if (client.isEmpty()) {
      return CompletableFuture.failedFuture(new ApiException(ApiException.Code.UNAVAILABLE,
          "No path to datacenter \"" + datacenter + "\": cross-DC calls need TLS (meshfed.tls) and are never "
              + "sent in plaintext"));
    }
    List<String> known = gateways.getOrDefault(dc, List.of());
    if (known.isEmpty()) {
      return CompletableFuture.failedFuture(new ApiException(ApiException.Code.UNAVAILABLE,
          "No path to datacenter \"" + datacenter + "\": no mesh gateway is known for it "
              + "(meshfed.static-gateways)"));
    }
    InetSocketAddress gateway = address(known.get(ThreadLocalRandom.current().nextInt(known.size())));
    PoolKey key = new PoolKey(dc, ANY_SERVER, gateway);
    return client.get().call(key, method, request, deadline)
        .exceptionally(err -> {
          throw RpcErrors.toApi(err, datacenter);
        });
  }

  /** The SNI name of a pool key: any server of its DC. */
  public static String serverName(PoolKey key, String domain) {
    return ANY_SERVER.equals(key.node()) ? Names.anyServerSni(key.datacenter(), domain)
        : Names.serverSni(key.node(), key.datacenter(), domain);
  }


  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    // Unresolved: the connector resolves it on every dial, so a changed DNS name is followed.
    return InetSocketAddress.createUnresolved(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
