package io.meshfed.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.util.zip.CRC32C;

/**
 * The client side of UPLOAD and DOWNLOAD on one connection, one transfer at a time. Both complete
 * with a CRC32C: for an upload the one the server computed over what it received, for a download
 * the one computed here over what arrived.
 */
final class BulkClientHandler extends ChannelInboundHandlerAdapter {
  private enum Mode { IDLE, AWAIT_CHECKSUM, RECEIVE }

  private Channel channel;
  private Mode mode = Mode.IDLE;
  private Promise<Long> pending;
  private PatternWriter writer;
  private final ByteBuf checksumBytes = Unpooled.buffer(Wire.CHECKSUM_BYTES, Wire.CHECKSUM_BYTES);
  private final CRC32C received = new CRC32C();
  private long receiveRemaining;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  /** Sends {@code length} bytes; completes with the server's checksum of them. */
  Future<Long> upload(long length) {
    Promise<Long> promise = channel.eventLoop().newPromise();
    channel.eventLoop().execute(() -> {
      if (!begin(promise, Mode.AWAIT_CHECKSUM)) {
        return;
      }
      channel.write(header(Wire.UPLOAD, length));
      PatternWriter w = new PatternWriter(channel, length);
      writer = w.pump() ? null : w;
    });
    return promise;
  }

  /** Asks for {@code length} bytes; completes with the checksum of what arrived. */
  Future<Long> download(long length) {
    Promise<Long> promise = channel.eventLoop().newPromise();
    channel.eventLoop().execute(() -> {
      if (!begin(promise, Mode.RECEIVE)) {
        return;
      }
      received.reset();
      receiveRemaining = length;
      channel.writeAndFlush(header(Wire.DOWNLOAD, length));
      if (length == 0) {
        complete(received.getValue());
      }
    });
    return promise;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    try {
      switch (mode) {
        case AWAIT_CHECKSUM -> {
          in.readBytes(checksumBytes, Math.min(in.readableBytes(), checksumBytes.writableBytes()));
          if (!checksumBytes.isWritable()) {
            long checksum = checksumBytes.readLong();
            checksumBytes.clear();
            complete(checksum);
          }
        }
        case RECEIVE -> {
          int n = (int) Math.min(in.readableBytes(), receiveRemaining);
          Payload.update(received, in.slice(in.readerIndex(), n));
          in.skipBytes(n);
          receiveRemaining -= n;
          if (receiveRemaining == 0) {
            complete(received.getValue());
          }
        }
        case IDLE -> { }
      }
      if (in.isReadable()) {
        fail(new IOException(in.readableBytes() + " unexpected bytes from the server"));
      }
    } finally {
      in.release();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (writer != null && ctx.channel().isWritable() && writer.pump()) {
      writer = null;
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (pending != null) {
      fail(new IOException("connection closed during a transfer"));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(cause);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    checksumBytes.release();
  }

  private boolean begin(Promise<Long> promise, Mode next) {
    if (pending != null) {
      promise.setFailure(new IllegalStateException("a transfer is already in progress"));
      return false;
    }
    pending = promise;
    mode = next;
    return true;
  }

  private void complete(long checksum) {
    Promise<Long> done = pending;
    pending = null;
    mode = Mode.IDLE;
    done.setSuccess(checksum);
  }

  private void fail(Throwable cause) {
    if (pending != null) {
      pending.tryFailure(cause);
      pending = null;
    }
    mode = Mode.IDLE;
    channel.close();
  }

  private ByteBuf header(byte command, long length) {
    return channel.alloc().buffer(Wire.BULK_HEADER_BYTES).writeByte(command).writeLong(length);
  }
}
