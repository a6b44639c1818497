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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the one request frame of a stream connection with the handler's response frame, then
 * closes. A second request frame breaks the protocol and closes the connection.
 */
final class GossipStreamResponder extends SimpleChannelInboundHandler<ByteBuf> {
  private static final Logger log = LoggerFactory.getLogger(GossipStreamResponder.class);

  private final GossipStreamHandler handler;
  private final ConnectionInfo info;
  private final GossipCounters counters;
  private boolean requested;

  GossipStreamResponder(GossipStreamHandler handler, ConnectionInfo info, GossipCounters counters) {
    this.handler = handler;
    this.info = info;
    this.counters = counters;
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
      log.warn("gossip stream handler failed for {}; closing without an answer",
          GossipConnectionErrors.describe(info), error);
      ctx.close();
    } else if (GossipFrameTooLargeException.tooLarge(response.length)) {
      counters.countOversize();
      log.warn("gossip stream response to {} refused: {}", GossipConnectionErrors.describe(info),
          new GossipFrameTooLargeException(response.length).getMessage());
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
