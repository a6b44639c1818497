package io.meshfed.transport.gossip;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Writes a {@code byte[]} payload as one frame: a 4-byte big-endian length, then the payload. Both
 * parts come out of a single write, so frames written concurrently by several threads never
 * interleave on the wire. Raw {@link io.netty.buffer.ByteBuf}s, such as a type byte, pass untouched.
 * The size limit is the sender's to check: this only frames.
 */
@Sharable
final class GossipFrameEncoder extends MessageToMessageEncoder<byte[]> {
  static final GossipFrameEncoder INSTANCE = new GossipFrameEncoder();

  private GossipFrameEncoder() {
    super(byte[].class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, byte[] payload, List<Object> out) {
    out.add(ctx.alloc().buffer(4).writeInt(payload.length));
    out.add(Unpooled.wrappedBuffer(payload));
  }
}
