package io.meshfed.transport.rpc;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that carried no frame for the idle time and has no call in flight, so pooled
 * connections to peers we stopped talking to do not pile up. Needs an
 * {@link io.netty.handler.timeout.IdleStateHandler} with the all-idle time before it.
 */
final class IdleCloser extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(IdleCloser.class);

  private final IntSupplier callsInFlight;

  IdleCloser(IntSupplier callsInFlight) {
    this.callsInFlight = callsInFlight;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.ALL_IDLE) {
      if (callsInFlight.getAsInt() == 0) {
        LOG.debug("closing idle RPC connection {}", ctx.channel());
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }
}
