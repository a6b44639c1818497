package io.meshfed.gateway.metrics;

import io.meshfed.transport.metrics.Meters;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The gateway's metrics. Series are labelled by route names from the routing table (and
 * {@link #UNROUTED} for connections closed before a route was known), never by what a client sent,
 * so their number is bounded by the routes the gateway has ever had.
 */
public final class GatewayMetrics {
  /** The {@code route} label of connections closed before their ClientHello matched a route. */
  public static final String UNROUTED = "none";
  public static final String CONTENT_TYPE = PrometheusText.CONTENT_TYPE;

  private final ConcurrentHashMap<String, RouteStats> routes = new ConcurrentHashMap<>();
  private final RouteStats unrouted = new RouteStats(null);
  /** This gateway's registry (histograms, log events), scraped after the families written here. */
  private final Meters meters = new Meters();
  private final LongAdder unknownSni = new LongAdder();
  private final LongAdder ejections = new LongAdder();
  private final Map<AdminClosure, LongAdder> adminClosures = new EnumMap<>(AdminClosure.class);
  private final LongSupplier routeTableVersion;
  private final IntSupplier openConnections;
  /** Families of the control side (its TLS), rendered after the proxy's own. */
  private volatile Supplier<String> appended = () -> "";
  private volatile Supplier<Map<String, Endpoints>> endpoints = Map::of;

  /** The endpoints of one route: those connections may go to now, and those ejected after failures. */
  public record Endpoints(int healthy, int ejected) {}

  /** @param openConnections client connections open now, what the gateway's connection cap counts */
  public GatewayMetrics(LongSupplier routeTableVersion, IntSupplier openConnections) {
    this.routeTableVersion = routeTableVersion;
    this.openConnections = openConnections;
    for (AdminClosure closure : AdminClosure.values()) {
      adminClosures.put(closure, new LongAdder());
    }
  }

  /** The stats of a route, created on first use. Route names always hold dots, so never clash with {@link #UNROUTED}. */
  public RouteStats route(String name) {
    return routes.computeIfAbsent(name, n -> new RouteStats(meters.timer("meshfed.gateway.connection.duration",
        "how long client connections admitted to a route stayed open, from admission to close (those whose"
            + " upstream could not be reached included)", Meters.LONG)
        .tag("route", n).register(meters.registry())));
  }

  /** Where the endpoint health gauges read the current routes' endpoints from, by route name. */
  public void endpoints(Supplier<Map<String, Endpoints>> current) {
    endpoints = current;
  }

  public RouteStats unrouted() {
    return unrouted;
  }

  /** Counts an unknown SNI name in both the connection counter and its own. */
  public void countUnknownSni() {
    unrouted.count(Outcome.UNKNOWN_SNI);
    unknownSni.increment();
  }

  public void countEjection() {
    ejections.increment();
  }

  public void countAdminClosure(AdminClosure closure) {
    adminClosures.get(closure).increment();
  }

  public int openConnections() {
    return openConnections.getAsInt();
  }

  public long adminClosures(AdminClosure closure) {
    return adminClosures.get(closure).sum();
  }

  public long unknownSni() {
    return unknownSni.sum();
  }

  public long ejections() {
    return ejections.sum();
  }

  /** Adds families, already in the Prometheus text format, to what {@link #render} returns. */
  public void append(Supplier<String> families) {
    Supplier<String> before = appended;
    appended = () -> before.get() + families.get();
  }

  /** Everything, in the Prometheus text format ({@link #CONTENT_TYPE}). */
  public String render() {
    Map<String, RouteStats> named = new TreeMap<>(routes);
    PrometheusText text = new PrometheusText();
    String connections = "meshfed_gateway_connections_total";
    text.family(connections, "counter", "Client connections by route and outcome.");
    for (Outcome outcome : Outcome.values()) {
      if (outcome.possible(false)) {
        text.sample(connections, unrouted.total(outcome), "route", UNROUTED, "outcome", outcome.label());
      }
    }
    named.forEach((route, stats) -> {
      for (Outcome outcome : Outcome.values()) {
        if (outcome.possible(true)) {
          text.sample(connections, stats.total(outcome), "route", route, "outcome", outcome.label());
        }
      }
    });
    String active = "meshfed_gateway_active_connections";
    text.family(active, "gauge", "Open connections by route, from admission to close.");
    named.forEach((route, stats) -> text.sample(active, stats.active(), "route", route));
    String open = "meshfed_gateway_open_connections";
    text.family(open, "gauge", "Open client connections, routed or not; what max-connections caps.")
        .sample(open, openConnections());
    String bytes = "meshfed_gateway_bytes_total";
    text.family(bytes, "counter", "Bytes relayed by route and direction.");
    named.forEach((route, stats) -> {
      for (Direction direction : Direction.values()) {
        text.sample(bytes, stats.bytes(direction).sum(), "route", route, "direction", direction.label());
      }
    });
    Map<String, Endpoints> current = new TreeMap<>(endpoints.get());
    String perRoute = "meshfed_gateway_route_endpoints";
    text.family(perRoute, "gauge", "Endpoints of each route in the table in use, by state: healthy (chosen for new"
        + " connections) or ejected after repeated connect failures.");
    current.forEach((route, e) -> {
      text.sample(perRoute, e.healthy(), "route", route, "state", "healthy");
      text.sample(perRoute, e.ejected(), "route", route, "state", "ejected");
    });
    String healthy = "meshfed_gateway_healthy_endpoints";
    text.family(healthy, "gauge", "Healthy endpoints over every route: 0 means no connection can be relayed.")
        .sample(healthy, current.values().stream().mapToInt(Endpoints::healthy).sum());
    String admin = "meshfed_gateway_admin_connections_closed_total";
    text.family(admin, "counter", "Admin connections closed by the gateway: at its cap or after a timeout.");
    for (AdminClosure closure : AdminClosure.values()) {
      text.sample(admin, adminClosures.get(closure).sum(), "reason", closure.label());
    }
    return text
        .family("meshfed_gateway_unknown_sni_total", "counter", "Connections whose SNI name matched no route.")
        .sample("meshfed_gateway_unknown_sni_total", unknownSni.sum())
        .family("meshfed_gateway_route_table_version", "gauge", "Version of the routing table in use.")
        .sample("meshfed_gateway_route_table_version", routeTableVersion.getAsLong())
        .family("meshfed_gateway_upstream_ejections_total", "counter", "Endpoints ejected after repeated connect failures.")
        .sample("meshfed_gateway_upstream_ejections_total", ejections.sum())
        + appended.get() + meters.scrape();
  }
}
