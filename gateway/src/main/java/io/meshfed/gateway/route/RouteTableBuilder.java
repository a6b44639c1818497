package io.meshfed.gateway.route;

import io.meshfed.protocol.names.Names;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns {@link RoutingInputs} into a {@link RouteTable} by the rules of docs/gateway.md (as
 * Consul's mesh-gateway listeners route):
 * <ul>
 *   <li>{@code <node>.server.<local dc>.<domain>} → that server, only when the gateway exposes the
 *       servers;
 *   <li>{@code server.<local dc>.<domain>} → every healthy local server, only when the gateway
 *       exposes the servers;
 *   <li>{@code <anything>.server.<remote dc>.<domain>} and {@code server.<remote dc>.<domain>} →
 *       that DC's gateways;
 *   <li>anything else → no route.
 * </ul>
 * A rule without endpoints (no healthy local server, a DC without gateways) is left out, so its names
 * are unknown rather than routed to nowhere.
 */
public final class RouteTableBuilder {
  private RouteTableBuilder() {}

  /** Throws IllegalArgumentException on an invalid DC or node name, or two nodes differing only in case. */
  public static RouteTable build(long version, RoutingInputs inputs) {
    String localDc = inputs.localDatacenter();
    String domain = inputs.domain();
    requireValid(Names.datacenterError(localDc).orElse(null));
    if (domain.isEmpty()) {
      throw new IllegalArgumentException("domain is empty");
    }
    Map<String, Route> exact = new HashMap<>();
    // Sorted by node, so the any-server route lists its endpoints the same way every time.
    Map<String, InetSocketAddress> servers = inputs.exposeServers() ? new TreeMap<>(inputs.localServers())
        : new TreeMap<>();
    servers.forEach((node, address) -> {
      requireValid(Names.nodeNameError(node).orElse(null));
      add(exact, new Route(Names.serverSni(node, localDc, domain), List.of(address)));
    });
    if (!servers.isEmpty()) {
      add(exact, new Route(Names.anyServerSni(localDc, domain), List.copyOf(servers.values())));
    }
    Map<String, Route> remote = new HashMap<>();
    inputs.remoteGateways().forEach((dc, gateways) -> {
      requireValid(Names.datacenterError(dc).orElse(null));
      if (!Names.datacenterKey(dc).equals(Names.datacenterKey(localDc)) && !gateways.isEmpty()) {
        Route route = new Route(Names.anyServerSni(dc, domain), gateways);
        add(exact, route);
        remote.put(dc, route);
      }
    });
    return new RouteTable(version, domain, exact, remote);
  }

  private static void add(Map<String, Route> exact, Route route) {
    Route clash = exact.put(route.name().toLowerCase(Locale.ROOT), route);
    if (clash != null) {
      throw new IllegalArgumentException("two routes for the name " + route.name() + " (names ignore case)");
    }
  }

  private static void requireValid(String error) {
    if (error != null) {
      throw new IllegalArgumentException(error);
    }
  }
}
