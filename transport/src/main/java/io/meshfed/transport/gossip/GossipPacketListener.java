package io.meshfed.transport.gossip;

/** Receives each packet of a {@code meshfed/wan-gossip/packet} connection. */
@FunctionalInterface
public interface GossipPacketListener {
  /**
   * Called on the server port's event loop: must not block.
   *
   * @throws MalformedGossipPacketException when the payload cannot be decoded; the packet is then
   *     dropped and counted, and logged within limits without a stack trace
   */
  void onPacket(GossipPacket packet) throws MalformedGossipPacketException;
}
