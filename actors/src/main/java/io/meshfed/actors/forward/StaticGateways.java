package io.meshfed.actors.forward;

import io.meshfed.protocol.names.Names;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Gateways from the configuration: {@code static-gateways}, plus {@code primary-gateways} for the primary. */
public final class StaticGateways implements GatewayResolver {
  private final Map<String, List<InetSocketAddress>> gateways;

  /**
   * @param staticGateways DC → HOST:PORT list
   * @param primaryGateways HOST:PORT list of the primary's gateways
   */
  public StaticGateways(Map<String, List<String>> staticGateways, String primaryDatacenter,
      List<String> primaryGateways) {
    Map<String, List<InetSocketAddress>> out = new TreeMap<>();
    staticGateways.forEach((dc, addresses) -> out.computeIfAbsent(Names.datacenterKey(dc), k -> new ArrayList<>())
        .addAll(addresses.stream().map(StaticGateways::unresolved).toList()));
    if (!primaryGateways.isEmpty()) {
      out.computeIfAbsent(Names.datacenterKey(primaryDatacenter), k -> new ArrayList<>())
          .addAll(primaryGateways.stream().map(StaticGateways::unresolved).toList());
    }
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
