package io.meshfed.actors.federation;

import io.meshfed.actors.locator.GatewayTracker;
import io.meshfed.protocol.model.CheckServiceNode;
import java.util.List;

/**
 * A gateway of the primary as an operator names it: its node, and its WAN address ({@code host:port},
 * as other DCs dial it), which is what two sets are compared by.
 */
public record GatewayRef(String node, String address) {

  /** The gateways of a federation state with a usable WAN address, in the state's order. */
  public static List<GatewayRef> of(List<CheckServiceNode> gateways) {
    return gateways.stream().flatMap(g -> GatewayTracker.render(List.of(g), true).stream()
        .map(a -> new GatewayRef(g.node() == null ? "" : g.node().node(), a.text()))).toList();
  }

  @Override
  public String toString() {
    return node.isEmpty() ? address : node + " (" + address + ")";
  }
}
