package io.meshfed.gateway.route;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a gateway knows about the federation, from a local server's watches.
 *
 * @param localServers healthy servers of the local DC: node name → server-port address
 * @param remoteGateways mesh gateways of other DCs: DC name → WAN addresses; an entry for the local
 *     DC is ignored, since local servers are dialed directly
 */
public record RoutingInputs(String localDatacenter, String domain, Map<String, InetSocketAddress> localServers,
                            Map<String, List<InetSocketAddress>> remoteGateways) {
  public RoutingInputs {
    Objects.requireNonNull(localDatacenter, "localDatacenter");
    Objects.requireNonNull(domain, "domain");
    localServers = Map.copyOf(localServers);
    remoteGateways = Map.copyOf(remoteGateways);
  }
}
