/**
 * WAN gossip transport on the server port, after Consul's wanfed.
 *
 * <p>Packets ({@code meshfed/wan-gossip/packet}): datagram-like messages sent as length-prefixed
 * frames on pooled connections keyed by WAN member name, see {@link
 * io.meshfed.transport.gossip.GossipPackets} and {@link io.meshfed.transport.gossip.GossipPacketReceiver}.
 * Streams ({@code meshfed/wan-gossip/stream}): one request frame and one response frame on a fresh
 * connection, see {@link io.meshfed.transport.gossip.GossipStreams} and {@link
 * io.meshfed.transport.gossip.GossipStreamReceiver}. How a member is reached (TLS with SNI, possibly
 * through a mesh gateway, or plaintext within the DC) is a {@link io.meshfed.transport.gossip.GossipDialer}.
 */
package io.meshfed.transport.gossip;
