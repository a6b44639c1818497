package io.meshfed.transport.gossip;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reaper of gossip packet connections: closes a connection on the idle event of the
 * {@link io.netty.handler.timeout.IdleStateHandler} before it, so connections to members we stopped
 * talking to do not pile up on either end (2 minutes on both ends, as in Consul's wanfed).
 */
final class GossipIdleCloser extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(GossipIdleCloser.class);

  private final GossipCounters counters;

  GossipIdleCloser(GossipCounters counters) {
    this.counters = counters;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      LOG.debug("closing idle gossip connection {}", ctx.channel());
      counters.countReaped();
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }
}
