package io.meshfed.transport.port;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Refuses a connection that has not been handed to a protocol within the timeout, counted from
 * accept. One deadline covers the first byte and the TLS handshake together (Consul's
 * rpc_handshake_timeout), so a slow client cannot hold a connection by trickling either.
 */
final class HandshakeTimeout extends ChannelInboundHandlerAdapter {
  private final Duration timeout;
  private final Refusals refusals;
  private ScheduledFuture<?> deadline;

  HandshakeTimeout(Duration timeout, Refusals refusals) {
    this.timeout = timeout;
    this.refusals = refusals;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }

  private void start(ChannelHandlerContext ctx) {
    if (deadline == null) {
      deadline = ctx.executor().schedule(
          () -> refusals.refuse(ctx.channel(), RefusalReason.HANDSHAKE_TIMEOUT,
              "handshake not completed within " + format(timeout)),
          timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  static String format(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }
}
