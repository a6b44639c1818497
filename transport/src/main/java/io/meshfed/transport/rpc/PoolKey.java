package io.meshfed.transport.rpc;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Identifies a pooled connection. The datacenter is part of the key because servers in two DCs can
 * have equal LAN addresses and node names; without it they would share a connection and forward RPCs
 * to themselves (Consul #19503).
 */
public record PoolKey(String datacenter, String node, InetSocketAddress address) {
  public PoolKey {
    Objects.requireNonNull(datacenter, "datacenter");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(address, "address");
  }

  /** "node (dc, host:port)", the form used in error messages. */
  public String describe() {
    return node + " (" + datacenter + ", " + address.getHostString() + ":" + address.getPort() + ")";
  }
}
