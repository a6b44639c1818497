package io.meshfed.gateway.route;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * Where connections for one SNI rule go. {@code name} labels metrics, so it comes from the table's
 * rules, never from a client.
 *
 * @param endpoints resolved addresses: the gateway dials on its event loops, where a DNS lookup
 *     would block every connection sharing the loop
 */
public record Route(String name, List<InetSocketAddress> endpoints) {
  public Route {
    Objects.requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("route " + name + " has no endpoints");
    }
    for (InetSocketAddress endpoint : endpoints) {
      if (endpoint.isUnresolved()) {
        throw new IllegalArgumentException("route " + name + ": endpoint " + endpoint + " is not an IP address");
      }
    }
  }
}
