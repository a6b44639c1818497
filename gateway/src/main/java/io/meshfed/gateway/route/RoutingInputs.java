package io.meshfed.gateway.route;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a gateway knows about the federation, from a local server's watches.
 *
 * @param exposeServers whether this gateway routes names of its own DC's servers ({@code
 *     --expose-servers}); without it only other DCs' names are routed, so a gateway that faces another
 *     network is no way in to the servers unless the operator asked for it
 * @param localServers healthy servers of the local DC: node name → server-port address; ignored
 *     unless {@code exposeServers}
 * @param remoteGateways mesh gateways of other DCs: DC name → WAN addresses; an entry for the local
 *     DC is ignored, since local servers are dialed directly
 */
public record RoutingInputs(String localDatacenter, String domain, boolean exposeServers,
                            Map<String, InetSocketAddress> localServers,
                            Map<String, List<InetSocketAddress>> remoteGateways) {
  public RoutingInputs {
    Objects.requireNonNull(localDatacenter, "localDatacenter");
    Objects.requireNonNull(domain, "domain");
    localServers = Map.copyOf(localServers);
    remoteGateways = Map.copyOf(remoteGateways);
  }
}
