package io.meshfed.transport.port;

import io.meshfed.transport.logging.Causes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import javax.net.ssl.SSLException;

/**
 * Last handler before a connection is handed over: an exception here means the connection failed
 * while being identified. Exceptions that follow a refusal of the same connection end here silently
 * (Refusals reports each connection once).
 */
final class HandshakeErrors extends ChannelInboundHandlerAdapter {
  private final Refusals refusals;

  HandshakeErrors(Refusals refusals) {
    this.refusals = refusals;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The TLS engine reports a failed handshake as an exception, and it can arrive before the
    // handshake event AlpnDispatcher turns into a refusal; both must name the same reason.
    if (isTlsFailure(cause)) {
      refusals.refuseTlsHandshake(ctx.channel(), cause);
    } else {
      refusals.refuse(ctx.channel(), RefusalReason.CONNECTION_FAILED,
          "connection failed before dispatch: " + Causes.describe(cause));
    }
  }

  private static boolean isTlsFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }
}
