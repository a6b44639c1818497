package io.meshfed.transport.gossip;

import io.meshfed.protocol.names.WireConstants;

/** The two gossip protocols of the server port, with the id that selects each one. */
public enum GossipProtocol {
  PACKET(WireConstants.ALPN_WAN_GOSSIP_PACKET, WireConstants.TYPE_WAN_GOSSIP_PACKET),
  STREAM(WireConstants.ALPN_WAN_GOSSIP_STREAM, WireConstants.TYPE_WAN_GOSSIP_STREAM);

  private final String alpnId;
  private final byte typeByte;

  GossipProtocol(String alpnId, byte typeByte) {
    this.alpnId = alpnId;
    this.typeByte = typeByte;
  }

  /** Negotiated with ALPN (RFC 7301) on TLS connections. */
  public String alpnId() {
    return alpnId;
  }

  /** Sent as the first byte of a plaintext connection (same DC, no TLS configured). */
  public byte typeByte() {
    return typeByte;
  }
}
