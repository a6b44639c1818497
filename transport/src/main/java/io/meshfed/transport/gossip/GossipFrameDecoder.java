package io.meshfed.transport.gossip;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream into payloads at the 4-byte big-endian unsigned length prefix (network byte
 * order, RFC 1700). A length above the limit is refused before anything is buffered, so a peer cannot
 * make us allocate 4 GiB; the stream cannot be resynchronised after it, so the rest is dropped.
 */
final class GossipFrameDecoder extends ByteToMessageDecoder {
  private static final int LENGTH_BYTES = 4;

  private boolean broken;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws GossipFrameTooLargeException {
    // A stream connection closes once answered; what came after its request in the same read is
    // not a frame of a live connection (an oversize length there would be counted as a refusal).
    if (broken || !ctx.channel().isActive()) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < LENGTH_BYTES) {
      return;
    }
    long length = in.getUnsignedInt(in.readerIndex());
    if (GossipFrameTooLargeException.tooLarge(length)) {
      broken = true;
      in.skipBytes(in.readableBytes());
      throw new GossipFrameTooLargeException(length);
    }
    if (in.readableBytes() < LENGTH_BYTES + length) {
      return;
    }
    in.skipBytes(LENGTH_BYTES);
    out.add(in.readRetainedSlice((int) length));
  }
}
