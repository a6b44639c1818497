package io.meshfed.transport.port;

import static io.meshfed.protocol.names.WireConstants.TYPE_HIGHEST;
import static io.meshfed.protocol.names.WireConstants.TYPE_RPC;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decides from the first byte what a connection speaks, then replaces itself. A TLS connection
 * starts with a record whose first byte is its content type, 0x16 for the ClientHello's handshake
 * record (RFC 8446 §5.1); every plaintext type byte is below that, so one byte tells them apart
 * without being consumed: the TLS engine needs to see it, a plaintext protocol does not.
 */
final class FirstByteSniffer extends ChannelInboundHandlerAdapter {
  private final Optional<Supplier<SslContext>> sslContext;
  private final Map<Byte, ProtocolHandler> plaintextProtocols;
  private final Map<String, ProtocolHandler> applicationProtocols;
  private final Refusals refusals;
  private final Dispatch dispatch;

  FirstByteSniffer(ServerPortSettings settings, Refusals refusals, Dispatch dispatch) {
    this.sslContext = settings.sslContext();
    this.plaintextProtocols = settings.plaintextProtocols();
    this.applicationProtocols = settings.applicationProtocols();
    this.refusals = refusals;
    this.dispatch = dispatch;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    if (!in.isReadable()) {
      in.release();
      return;
    }
    int first = in.getUnsignedByte(in.readerIndex());
    boolean plaintextType = first >= TYPE_RPC && first <= TYPE_HIGHEST;
    ProtocolHandler plaintext = plaintextProtocols.get((byte) first);
    if (sslContext.isPresent() && first > TYPE_HIGHEST) {
      startTls(ctx, sslContext.get().get());
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(in);
    } else if (sslContext.isPresent() && plaintextType) {
      in.release();
      refusals.refuse(ctx.channel(), RefusalReason.PLAINTEXT_REFUSED,
          "plaintext connection refused: TLS is required on this server port");
    } else if (plaintext != null) {
      dispatchPlaintext(ctx, in, plaintext);
    } else {
      in.release();
      refusals.refuse(ctx.channel(), RefusalReason.UNKNOWN_FIRST_BYTE,
          String.format("unknown first byte 0x%02x", first));
    }
  }

  private void startTls(ChannelHandlerContext ctx, SslContext context) {
    SslHandler tls = context.newHandler(ctx.alloc());
    // Gateways expose this port to other DCs, so a client certificate is required whatever the
    // context was built with (Consul forces the same on its ALPN path).
    tls.engine().setNeedClientAuth(true);
    // HandshakeTimeout bounds the handshake; a second, longer timer would only blur the reason.
    tls.setHandshakeTimeoutMillis(0);
    ctx.pipeline()
        .addAfter(ctx.name(), ServerPortInitializer.ALPN_OFFER, new AlpnOfferCheck(applicationProtocols.keySet(), refusals))
        .addAfter(ServerPortInitializer.ALPN_OFFER, ServerPortInitializer.TLS, tls)
        .addAfter(ServerPortInitializer.TLS, ServerPortInitializer.ALPN,
            new AlpnDispatcher(applicationProtocols, refusals, dispatch));
  }

  private void dispatchPlaintext(ChannelHandlerContext ctx, ByteBuf in, ProtocolHandler handler) {
    in.skipBytes(1);
    boolean dispatched = false;
    try {
      dispatch.to(ctx.pipeline(), handler,
          ConnectionInfo.plaintext((InetSocketAddress) ctx.channel().remoteAddress()));
      dispatched = true;
    } finally {
      if (!dispatched) {
        in.release();
      }
    }
    ctx.pipeline().remove(this);
    if (in.isReadable()) {
      ctx.fireChannelRead(in);
    } else {
      in.release();
    }
  }
}
