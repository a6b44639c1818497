package io.meshfed.transport.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Cuts the byte stream into frame bodies at the 4-byte length prefix and refuses a frame above the
 * maximum before buffering it, so a peer cannot make us allocate arbitrary memory. A refused frame is
 * reported as an exception (the last handler logs it and closes) and everything after it is dropped:
 * the stream cannot be resynchronised.
 */
final class FrameSplitter extends ByteToMessageDecoder {
  private static final int LENGTH_BYTES = 4;

  private final int maxFrameBytes;
  private boolean broken;

  FrameSplitter(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    // Frames that arrived in the same read as the one the connection was closed for must not reach
    // the handlers: each would be served or counted again on a dead connection.
    if (broken || !ctx.channel().isActive()) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < LENGTH_BYTES) {
      return;
    }
    long length = in.getUnsignedInt(in.readerIndex());
    if (length > maxFrameBytes) {
      broken = true;
      in.skipBytes(in.readableBytes());
      throw new TooLongFrameException("frame of " + length + " bytes exceeds the maximum of " + maxFrameBytes);
    }
    if (length < Frame.HEADER_BYTES) {
      broken = true;
      in.skipBytes(in.readableBytes());
      throw new CorruptedFrameException("frame of " + length + " bytes is shorter than its header");
    }
    if (in.readableBytes() < LENGTH_BYTES + length) {
      return;
    }
    in.skipBytes(LENGTH_BYTES);
    out.add(in.readRetainedSlice((int) length));
  }
}
