package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;

/**
 * One received gossip packet. Through a mesh gateway the remote address is the gateway's, so the
 * sender's identity is whatever the payload says it is.
 */
public record GossipPacket(byte[] payload, ConnectionInfo connection) {}
