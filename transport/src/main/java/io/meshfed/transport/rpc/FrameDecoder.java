package io.meshfed.transport.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Parses one frame body (as cut by {@link FrameSplitter}) into a {@link Frame}. */
final class FrameDecoder extends MessageToMessageDecoder<ByteBuf> {
  FrameDecoder() {
    super(ByteBuf.class);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf body, List<Object> out) {
    int streamId = body.readInt();
    byte type = body.readByte();
    out.add(switch (type) {
      case FrameType.REQUEST -> request(streamId, body);
      case FrameType.RESPONSE -> new Frame.Response(streamId, ByteBufUtil.getBytes(body));
      case FrameType.STREAM_ITEM -> new Frame.StreamItem(streamId, ByteBufUtil.getBytes(body));
      case FrameType.STREAM_END -> new Frame.StreamEnd(streamId);
      case FrameType.ERROR -> error(streamId, body);
      case FrameType.CANCEL -> new Frame.Cancel(streamId);
      case FrameType.PING -> new Frame.Ping(readOpaque(body));
      case FrameType.PONG -> new Frame.Pong(readOpaque(body));
      default -> throw new CorruptedFrameException("unknown frame type " + type);
    });
  }

  private static Frame request(int streamId, ByteBuf body) {
    if (body.readableBytes() < Frame.REQUEST_FIXED_BYTES) {
      throw new CorruptedFrameException("truncated REQUEST frame");
    }
    byte kind = body.readByte();
    if (kind != FrameType.KIND_UNARY && kind != FrameType.KIND_STREAM) {
      throw new CorruptedFrameException("unknown request kind " + kind);
    }
    long deadlineMillis = body.readLong();
    if (deadlineMillis <= 0) {
      throw new CorruptedFrameException("REQUEST deadline must be positive, got " + deadlineMillis);
    }
    int methodLength = body.readUnsignedShort();
    if (body.readableBytes() < methodLength) {
      throw new CorruptedFrameException("REQUEST method name runs past the frame");
    }
    String method = body.readCharSequence(methodLength, StandardCharsets.UTF_8).toString();
    return new Frame.Request(streamId, method, kind == FrameType.KIND_STREAM, deadlineMillis, ByteBufUtil.getBytes(body));
  }

  private static Frame error(int streamId, ByteBuf body) {
    if (!body.isReadable()) {
      throw new CorruptedFrameException("truncated ERROR frame");
    }
    int wireCode = body.readUnsignedByte();
    String message = body.readCharSequence(body.readableBytes(), StandardCharsets.UTF_8).toString();
    RpcCode code = RpcCode.fromWire(wireCode);
    // A newer peer may send a code we do not know; the caller still learns that the call failed.
    return code != null
        ? new Frame.Error(streamId, code, message)
        : new Frame.Error(streamId, RpcCode.INTERNAL, "unknown error code " + wireCode + ": " + message);
  }

  private static long readOpaque(ByteBuf body) {
    if (body.readableBytes() != 8) {
      throw new CorruptedFrameException("PING/PONG payload must be 8 bytes");
    }
    return body.readLong();
  }
}
