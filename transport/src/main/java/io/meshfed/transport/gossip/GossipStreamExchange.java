package io.meshfed.transport.gossip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The client end of one stream exchange: completes the result with the first response frame, or
 * fails it when the connection breaks or closes first. It is the last handler, so errors end here.
 */
final class GossipStreamExchange extends SimpleChannelInboundHandler<ByteBuf> {
  private final CompletableFuture<byte[]> result;
  private final String peer;
  private final GossipCounters counters;

  GossipStreamExchange(CompletableFuture<byte[]> result, String peer, GossipCounters counters) {
    this.result = result;
    this.peer = peer;
    this.counters = counters;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf response) {
    counters.countReceived();
    result.complete(ByteBufUtil.getBytes(response));
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    result.completeExceptionally(new IOException("gossip stream with " + peer + " closed before a response"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable error = cause.getCause() instanceof GossipFrameTooLargeException tooLarge ? tooLarge : cause;
    if (error instanceof GossipFrameTooLargeException) {
      counters.countOversize();
    }
    result.completeExceptionally(new IOException("gossip stream with " + peer + " failed: " + error.getMessage(), error));
    ctx.close();
  }
}
