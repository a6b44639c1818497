package io.meshfed.transport.gossip;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a stream connection when its exchange is not over by the deadline, counted from the moment
 * this handler is added, so a slow peer or handler cannot hold a connection open.
 */
final class GossipExchangeDeadline extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(GossipExchangeDeadline.class);

  private final Duration deadline;
  private final GossipCounters counters;
  private ScheduledFuture<?> timer;

  GossipExchangeDeadline(Duration deadline, GossipCounters counters) {
    this.deadline = deadline;
    this.counters = counters;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timer = ctx.executor().schedule(() -> {
      counters.countDeadlineExceeded();
      LOG.debug("gossip stream {} did not finish within {}; closing", ctx.channel(), deadline);
      ctx.close();
    }, deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    timer.cancel(false);
    ctx.fireChannelInactive();
  }
}
