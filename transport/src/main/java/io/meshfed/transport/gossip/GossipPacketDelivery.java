package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each frame payload of a packet connection to the listener, as a copy it may keep. A failing
 * listener is our bug, not the peer's: it is logged and the connection kept.
 */
final class GossipPacketDelivery extends SimpleChannelInboundHandler<ByteBuf> {
  private static final Logger log = LoggerFactory.getLogger(GossipPacketDelivery.class);

  private final Consumer<GossipPacket> listener;
  private final ConnectionInfo info;
  private final GossipCounters counters;

  GossipPacketDelivery(Consumer<GossipPacket> listener, ConnectionInfo info, GossipCounters counters) {
    this.listener = listener;
    this.info = info;
    this.counters = counters;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf payload) {
    counters.countReceived();
    try {
      listener.accept(new GossipPacket(ByteBufUtil.getBytes(payload), info));
    } catch (RuntimeException e) {
      log.warn("gossip packet listener failed on a packet from {}", GossipConnectionErrors.describe(info), e);
    }
  }
}
