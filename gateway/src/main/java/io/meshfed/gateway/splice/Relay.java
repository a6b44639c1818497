package io.meshfed.gateway.splice;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies what one channel reads to its peer, counting the bytes. Backpressure: once the peer's
 * outbound buffer passes its high water mark this channel stops reading, and it resumes when the peer
 * drains below the low mark (each relay watches its own channel's writability and steers the other).
 */
final class Relay extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

  private final Splice splice;
  private final Channel peer;
  private final LongAdder bytes;

  Relay(Splice splice, Channel peer, LongAdder bytes) {
    this.splice = splice;
    this.peer = peer;
    this.bytes = bytes;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buffer = (ByteBuf) msg;
    bytes.add(buffer.readableBytes());
    peer.write(buffer, peer.voidPromise());
    if (!peer.isWritable()) {
      // Stop first: the flush may drain the peer at once, and the resulting writability event must
      // find reading already off, or reading would stay off for good.
      ctx.channel().config().setAutoRead(false);
      peer.flush();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peer.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      Splice.resumeReading(peer);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      splice.inputEnded(ctx.channel());
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    splice.closed(ctx.channel());
  }

  /** A reset or a failed write ends the whole splice; the peer learns of it by being closed. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("gateway: closing {} after an error: {}", ctx.channel(), cause.toString());
    splice.closeBoth();
  }
}
