package io.meshfed.transport.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes a {@link Frame} with its length prefix. Stateless, so one instance serves every channel. */
@ChannelHandler.Sharable
final class FrameEncoder extends MessageToByteEncoder<Frame> {
  static final FrameEncoder INSTANCE = new FrameEncoder();

  private FrameEncoder() {
    super(Frame.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) {
    out.writeInt(frame.bodyLength());
    out.writeInt(frame.streamId());
    if (frame instanceof Frame.Request r) {
      byte[] method = r.methodBytes();
      out.writeByte(FrameType.REQUEST);
      out.writeByte(r.streaming() ? FrameType.KIND_STREAM : FrameType.KIND_UNARY);
      out.writeLong(r.deadlineMillis());
      out.writeShort(method.length);
      out.writeBytes(method);
      out.writeBytes(r.payload());
    } else if (frame instanceof Frame.Response r) {
      out.writeByte(FrameType.RESPONSE).writeBytes(r.payload());
    } else if (frame instanceof Frame.StreamItem i) {
      out.writeByte(FrameType.STREAM_ITEM).writeBytes(i.payload());
    } else if (frame instanceof Frame.StreamEnd) {
      out.writeByte(FrameType.STREAM_END);
    } else if (frame instanceof Frame.Error e) {
      out.writeByte(FrameType.ERROR).writeByte(e.code().wireValue()).writeBytes(e.messageBytes());
    } else if (frame instanceof Frame.Cancel) {
      out.writeByte(FrameType.CANCEL);
    } else if (frame instanceof Frame.Ping p) {
      out.writeByte(FrameType.PING).writeLong(p.opaque());
    } else if (frame instanceof Frame.Pong p) {
      out.writeByte(FrameType.PONG).writeLong(p.opaque());
    }
  }
}
