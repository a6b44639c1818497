package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

/**
 * Hands each frame payload of a packet connection to the listener, as a copy it may keep. An empty
 * frame has nothing to decode and never reaches it. A packet the listener cannot decode is dropped;
 * a failing listener is our bug, not the peer's. Either way the connection is kept, as a lost
 * datagram would not end a UDP conversation, and the packet is counted and logged within limits.
 */
final class GossipPacketDelivery extends SimpleChannelInboundHandler<ByteBuf> {
  private final GossipPacketListener listener;
  private final ConnectionInfo info;
  private final GossipCounters counters;
  private final GossipProblems problems;

  GossipPacketDelivery(GossipPacketListener listener, ConnectionInfo info, GossipCounters counters,
      GossipProblems problems) {
    this.listener = listener;
    this.info = info;
    this.counters = counters;
    this.problems = problems;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf payload) {
    counters.countReceived();
    if (!payload.isReadable()) {
      problems.dropped(GossipConnectionErrors.describe(info), "empty packet");
      return;
    }
    try {
      listener.onPacket(new GossipPacket(ByteBufUtil.getBytes(payload), info));
    } catch (MalformedGossipPacketException e) {
      problems.dropped(GossipConnectionErrors.describe(info), e.getMessage());
    } catch (RuntimeException e) {
      problems.listenerFailed(GossipConnectionErrors.describe(info), e);
    }
  }
}
