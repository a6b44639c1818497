package io.meshfed.transport.rpc;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Server side: answers a client's liveness PING so it does not give up on a busy but healthy server. */
@ChannelHandler.Sharable
final class PingResponder extends ChannelInboundHandlerAdapter {
  static final PingResponder INSTANCE = new PingResponder();

  private PingResponder() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Frame.Ping ping) {
      ctx.writeAndFlush(new Frame.Pong(ping.opaque())).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    } else {
      ctx.fireChannelRead(msg);
    }
  }
}
