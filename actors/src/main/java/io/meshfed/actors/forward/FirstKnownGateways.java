package io.meshfed.actors.forward;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Asks resolvers in order; the first that knows gateways for a DC answers. The server puts the
 * gateway locator first, so live federation states win over {@code static-gateways}, which only
 * fill in DCs the locator knows nothing about.
 */
public final class FirstKnownGateways implements GatewayResolver {
  private final List<GatewayResolver> resolvers;

  public FirstKnownGateways(List<GatewayResolver> resolvers) {
    this.resolvers = List.copyOf(resolvers);
  }

  @Override
  public List<InetSocketAddress> gateways(String datacenter) {
    for (GatewayResolver resolver : resolvers) {
      List<InetSocketAddress> found = resolver.gateways(datacenter);
      if (!found.isEmpty()) {
        return found;
      }
    }
    return List.of();
  }

  @Override
  public String source() {
    return resolvers.stream().map(GatewayResolver::source).collect(Collectors.joining(" or "));
  }
}
