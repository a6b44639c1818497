package io.meshfed.transport.rpc;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;

/**
 * Client side: detects a peer that stopped answering while calls wait on it (host gone, gateway
 * dropping packets), which TCP alone notices only after many minutes. On the first reader-idle
 * period with calls in flight it sends a PING; if the next period passes without any frame it
 * reports the connection dead so its calls fail UNAVAILABLE instead of waiting out their deadlines.
 * Needs an {@link io.netty.handler.timeout.IdleStateHandler} with the reader-idle time before it.
 */
final class Keepalive extends ChannelDuplexHandler {
  private final IntSupplier callsInFlight;
  private final Duration interval;
  private boolean pingOutstanding;
  private long pingCount;

  Keepalive(IntSupplier callsInFlight, Duration interval) {
    this.callsInFlight = callsInFlight;
    this.interval = interval;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    pingOutstanding = false;
    if (!(msg instanceof Frame.Pong)) {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof IdleStateEvent idle) || idle.state() != IdleState.READER_IDLE) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    if (pingOutstanding) {
      ctx.fireExceptionCaught(new TimeoutException("no answer to a ping within " + interval.toMillis() + " ms"));
    } else if (callsInFlight.getAsInt() > 0) {
      pingOutstanding = true;
      ctx.writeAndFlush(new Frame.Ping(++pingCount)).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }
  }
}
