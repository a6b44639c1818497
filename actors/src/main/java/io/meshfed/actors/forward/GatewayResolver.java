package io.meshfed.actors.forward;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The mesh gateways through which another DC is reached. The gateway locator will
 * implement this; until then {@link StaticGateways} does.
 */
public interface GatewayResolver {
  /** The gateways to use for {@code datacenter} (lower case), possibly unresolved; empty when none is known. */
  List<InetSocketAddress> gateways(String datacenter);

  /** Names where gateways come from, for the error a DC without any gets. */
  String source();
}
