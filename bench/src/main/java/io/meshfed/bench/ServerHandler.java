package io.meshfed.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server side of {@link Wire}, one instance per connection, after the TLS handler. */
final class ServerHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ServerHandler.class);

  private enum State { COMMAND, SINK, ECHO }

  private State state = State.COMMAND;
  /** A command header can arrive split over reads: gathered here until complete. */
  private final ByteBuf header = Unpooled.buffer(Wire.BULK_HEADER_BYTES, Wire.BULK_HEADER_BYTES);
  private final CRC32C checksum = new CRC32C();
  private long sinkRemaining;
  /** The DOWNLOAD in progress, if any. */
  private PatternWriter source;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    try {
      while (in.isReadable() && ctx.channel().isActive()) {
        switch (state) {
          case COMMAND -> readCommand(ctx, in);
          case SINK -> sink(ctx, in);
          case ECHO -> ctx.write(in.readRetainedSlice(in.readableBytes()));
        }
      }
    } finally {
      in.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state == State.ECHO) {
      ctx.flush();
      // Echo no faster than the client reads: stop reading while the echoes pile up.
      ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      if (source != null && source.pump()) {
        source = null;
      }
      ctx.channel().config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Resets and failed handshakes are the client's to count; the server only lets go.
    LOG.debug("bench server: closing {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    header.release();
  }

  private void readCommand(ChannelHandlerContext ctx, ByteBuf in) {
    if (!header.isReadable()) {
      byte command = in.getByte(in.readerIndex());
      if (command == Wire.ECHO) {
        in.skipBytes(1);
        state = State.ECHO;
        return;
      }
      if (command != Wire.UPLOAD && command != Wire.DOWNLOAD) {
        protocolError(ctx, in, "unknown command byte " + command);
        return;
      }
    }
    in.readBytes(header, Math.min(in.readableBytes(), header.writableBytes()));
    if (header.isWritable()) {
      return;
    }
    byte command = header.readByte();
    long length = header.readLong();
    header.clear();
    if (length < 0) {
      protocolError(ctx, in, "negative length " + length);
    } else if (command == Wire.UPLOAD) {
      sinkRemaining = length;
      checksum.reset();
      state = State.SINK;
      if (length == 0) {
        finishSink(ctx);
      }
    } else {
      PatternWriter writer = new PatternWriter(ctx.channel(), length);
      source = writer.pump() ? null : writer;
    }
  }

  private void sink(ChannelHandlerContext ctx, ByteBuf in) {
    int n = (int) Math.min(in.readableBytes(), sinkRemaining);
    Payload.update(checksum, in.slice(in.readerIndex(), n));
    in.skipBytes(n);
    sinkRemaining -= n;
    if (sinkRemaining == 0) {
      finishSink(ctx);
    }
  }

  private void finishSink(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(ctx.alloc().buffer(Wire.CHECKSUM_BYTES).writeLong(checksum.getValue()));
    state = State.COMMAND;
  }

  private void protocolError(ChannelHandlerContext ctx, ByteBuf in, String what) {
    LOG.warn("bench server: {} from {}; closing", what, ctx.channel().remoteAddress());
    in.skipBytes(in.readableBytes());
    ctx.close();
  }
}
