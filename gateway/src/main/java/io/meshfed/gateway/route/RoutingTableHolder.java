package io.meshfed.gateway.route;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway's current table. A connection reads it once, when its ClientHello names a server, and
 * keeps the route it got: a swap changes where new connections go and never touches open ones.
 */
public final class RoutingTableHolder {
  private final AtomicReference<RouteTable> current;

  public RoutingTableHolder(RouteTable initial) {
    this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
  }

  public RouteTable current() {
    return current.get();
  }

  /** Installs {@code next} for connections that arrive from now on; returns the table it replaced. */
  public RouteTable swap(RouteTable next) {
    return current.getAndSet(Objects.requireNonNull(next, "next"));
  }
}
