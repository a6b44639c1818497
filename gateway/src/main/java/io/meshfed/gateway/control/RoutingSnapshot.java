package io.meshfed.gateway.control;

import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.HealthCheck;
import io.meshfed.protocol.v1.ListMeshGatewaysResponse;
import io.meshfed.protocol.v1.MeshGateways;
import io.meshfed.protocol.v1.NodeService;
import io.meshfed.protocol.v1.ServiceAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a gateway routes to, as its local server sees it: the DC's servers by node name
 * (their server ports), and every other DC's gateways (their WAN addresses). Host names are
 * resolved here, on each update, never on the proxy's event loops; one that does not resolve is
 * left out with a warning.
 */
public record RoutingSnapshot(Map<String, InetSocketAddress> localServers,
    Map<String, List<InetSocketAddress>> remoteGateways) {
  private static final Logger LOG = LoggerFactory.getLogger(RoutingSnapshot.class);

  public RoutingSnapshot {
    localServers = Map.copyOf(localServers);
    remoteGateways = Map.copyOf(remoteGateways);
  }

  /** The local servers from the catalog's {@code meshfed} entries; a server with a critical check is left out. */
  public static Map<String, InetSocketAddress> localServers(List<CheckServiceNode> entries) {
    Map<String, InetSocketAddress> out = new TreeMap<>();
    for (CheckServiceNode e : entries) {
      if (!critical(e)) {
        address(e, "lan").ifPresent(a -> out.put(e.getNode().getNode(), a));
      }
    }
    return out;
  }

  /**
   * Other DCs' gateways from ListMeshGateways, at their WAN addresses. Gateways with a critical
   * check are skipped unless all of a DC's are critical: a possibly stale path beats none.
   */
  public static Map<String, List<InetSocketAddress>> remoteGateways(String localDatacenter,
      ListMeshGatewaysResponse response) {
    String local = Names.datacenterKey(localDatacenter);
    Map<String, List<InetSocketAddress>> out = new TreeMap<>();
    for (Map.Entry<String, MeshGateways> dc : response.getDatacenterGatewaysMap().entrySet()) {
      String key = Names.datacenterKey(dc.getKey());
      if (key.equals(local)) {
        continue;
      }
      List<CheckServiceNode> all = dc.getValue().getGatewaysList();
      List<CheckServiceNode> healthy = all.stream().filter(g -> !critical(g)).toList();
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (CheckServiceNode g : healthy.isEmpty() ? all : healthy) {
        address(g, "wan").ifPresent(addresses::add);
      }
      if (!addresses.isEmpty()) {
        out.put(key, List.copyOf(addresses));
      }
    }
    return out;
  }

  private static boolean critical(CheckServiceNode e) {
    return e.getChecksList().stream().map(HealthCheck::getStatus).anyMatch("critical"::equals);
  }

  /** Consul's BestAddress: the tagged address of that name, else the service's, else the node's. */
  private static Optional<InetSocketAddress> address(CheckServiceNode e, String tag) {
    NodeService s = e.getService();
    ServiceAddress tagged = s.getTaggedAddressesMap().get(tag);
    boolean useTagged = tagged != null && !tagged.getAddress().isEmpty() && tagged.getPort() > 0;
    String host = useTagged ? tagged.getAddress() : s.getAddress().isEmpty() ? e.getNode().getAddress() : s.getAddress();
    int port = useTagged ? tagged.getPort() : s.getPort();
    InetSocketAddress resolved = port >= 1 && port <= 65535 ? new InetSocketAddress(host, port) : null;
    if (resolved == null || resolved.isUnresolved()) {
      LOG.warn("{} of node {}: {}:{} does not resolve to an address, leaving it out of the routes", s.getService(),
          e.getNode().getNode(), host, port);
      return Optional.empty();
    }
    return Optional.of(resolved);
  }
}
