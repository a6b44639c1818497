package io.meshfed.actors.forward;

import io.meshfed.protocol.names.Names;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gateways from {@code static-gateways}: for DCs the gateway locator knows nothing about (meshfed's
 * addition; Consul has no such option). {@code primary-gateways} belong to the locator, which
 * decides when the primary is dialed through them.
 */
public final class StaticGateways implements GatewayResolver {
  private final Map<String, List<InetSocketAddress>> gateways;

  /** @param staticGateways DC → HOST:PORT list */
  public StaticGateways(Map<String, List<String>> staticGateways) {
    Map<String, List<InetSocketAddress>> out = new TreeMap<>();
    staticGateways.forEach((dc, addresses) -> out.computeIfAbsent(Names.datacenterKey(dc), k -> new ArrayList<>())
        .addAll(addresses.stream().map(StaticGateways::unresolved).toList()));
    out.replaceAll((dc, list) -> List.copyOf(list));
    this.gateways = Map.copyOf(out);
  }

  @Override
  public List<InetSocketAddress> gateways(String datacenter) {
    return gateways.getOrDefault(datacenter, List.of());
  }

  @Override
  public String source() {
    return "meshfed.static-gateways";
  }

  /** A validated HOST:PORT as an unresolved address: the dial resolves it, every time. */
  public static InetSocketAddress unresolved(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    // Unresolved: the dial resolves it every time, so a changed DNS name is followed.
    return InetSocketAddress.createUnresolved(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
