package io.meshfed.transport.gossip;

/**
 * Thrown by a {@link GossipPacketListener} for a payload it cannot decode: the receiver drops the
 * packet, counts it and keeps the connection, as UDP gossip would lose a garbled datagram.
 */
public final class MalformedGossipPacketException extends Exception {
  public MalformedGossipPacketException(String message, Throwable cause) {
    super(message, cause);
  }
}
