package io.meshfed.gateway.sni;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * First handler of a client connection: buffers bytes until the ClientHello is complete, without
 * consuming any, and reports the outcome as one {@link HelloEvent}. On success it removes itself,
 * which hands every buffered byte, unchanged, to the next handler (ByteToMessageDecoder forwards its
 * cumulation on removal). Its deadline bounds slow clients; {@link ClientHelloParser} bounds size.
 */
public final class SniReader extends ByteToMessageDecoder {
  private final ClientHelloParser parser;
  private final Duration timeout;
  private Future<?> deadline;
  private boolean decided;

  public SniReader(int maxClientHelloBytes, Duration timeout) {
    this.parser = new ClientHelloParser(maxClientHelloBytes);
    this.timeout = timeout;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    deadline = ctx.executor().schedule(
        () -> refuse(ctx, Rejection.TIMEOUT, "no complete ClientHello within " + timeout.toMillis() + " ms"),
        timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (decided) {
      in.skipBytes(in.readableBytes());
      return;
    }
    HelloResult result = parser.parse(in);
    if (result instanceof HelloResult.Found found) {
      decide();
      ctx.fireUserEventTriggered(new HelloEvent.ServerNamed(found.hostName()));
      ctx.pipeline().remove(this);
    } else if (result instanceof HelloResult.Rejected rejected) {
      in.skipBytes(in.readableBytes());
      refuse(ctx, rejected.reason(), rejected.detail());
    }
  }

  /** Called on EOF after a last {@link #decode} of everything received. */
  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    refuse(ctx, Rejection.CLIENT_CLOSED,
        "client closed after " + in.readableBytes() + " bytes, before a complete ClientHello");
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    cancelDeadline();
  }

  private void refuse(ChannelHandlerContext ctx, Rejection reason, String detail) {
    if (!decided) {
      decide();
      ctx.fireUserEventTriggered(new HelloEvent.Refused(reason, detail));
    }
  }

  private void decide() {
    decided = true;
    cancelDeadline();
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }
}
