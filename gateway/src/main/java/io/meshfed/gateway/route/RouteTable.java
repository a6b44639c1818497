package io.meshfed.gateway.route;

import io.meshfed.protocol.names.Names;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable routing table, built by {@link RouteTableBuilder}. Exact names win;
 * otherwise {@code <anything>.server.<dc>.<domain>} matches the route of remote DC {@code dc}.
 *
 * @param exact routes by lower-case SNI name
 * @param remoteDatacenters the wildcard rules: routes by DC name
 */
public record RouteTable(long version, String domain, Map<String, Route> exact, Map<String, Route> remoteDatacenters) {
  /** What a gateway serves before it is given a table: nothing, every name is unknown. */
  public static final RouteTable EMPTY = new RouteTable(0, Names.DEFAULT_DOMAIN, Map.of(), Map.of());

  public RouteTable {
    exact = Map.copyOf(exact);
    remoteDatacenters = Map.copyOf(remoteDatacenters);
    for (String name : exact.keySet()) {
      if (!name.equals(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("exact route names are matched in lower case: " + name);
      }
    }
  }

  /** The route for an SNI host name; DNS names compare without regard to case (RFC 4343). */
  public Optional<Route> lookup(String serverName) {
    String name = serverName.toLowerCase(Locale.ROOT);
    Route route = exact.get(name);
    if (route != null) {
      return Optional.of(route);
    }
    return Names.parseSni(name, domain)
        .flatMap(parsed -> Optional.ofNullable(remoteDatacenters.get(parsed.datacenter())));
  }

  /** Every distinct route, for metrics and for pruning upstream state. */
  public Collection<Route> routes() {
    Set<Route> routes = new LinkedHashSet<>(exact.values());
    routes.addAll(remoteDatacenters.values());
    return routes;
  }

  public Set<InetSocketAddress> endpoints() {
    Set<InetSocketAddress> endpoints = new LinkedHashSet<>();
    routes().forEach(route -> endpoints.addAll(route.endpoints()));
    return endpoints;
  }
}
