package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers the one request frame of a stream connection with the handler's response frame, then
 * closes. A second request frame breaks the protocol and closes the connection.
 */
final class GossipStreamResponder extends SimpleChannelInboundHandler<ByteBuf> {
  private final GossipStreamHandler handler;
  private final ConnectionInfo info;
  private final GossipCounters counters;
  private final GossipProblems problems;
  private boolean requested;

  GossipStreamResponder(GossipStreamHandler handler, ConnectionInfo info, GossipCounters counters,
      GossipProblems problems) {
    this.handler = handler;
    this.info = info;
    this.counters = counters;
    this.problems = problems;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf request) {
    if (requested) {
      ctx.fireExceptionCaught(new IOException("a second request frame on a gossip stream"));
      return;
    }
    requested = true;
    counters.countReceived();
    CompletionStage<byte[]> response;
    try {
      response = handler.exchange(ByteBufUtil.getBytes(request), info);
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    response.whenComplete((bytes, error) -> respond(ctx, bytes, error));
  }

  private void respond(ChannelHandlerContext ctx, byte[] response, Throwable error) {
    if (error != null || response == null) {
      problems.streamHandlerFailed(GossipConnectionErrors.describe(info), error);
      ctx.close();
    } else if (GossipFrameTooLargeException.tooLarge(response.length)) {
      problems.responseTooLarge(GossipConnectionErrors.describe(info), response.length);
      ctx.close();
    } else {
      ctx.writeAndFlush(response).addListener((ChannelFuture written) -> {
        if (written.isSuccess()) {
          counters.countSent();
        }
        ctx.close();
      });
    }
  }
}
