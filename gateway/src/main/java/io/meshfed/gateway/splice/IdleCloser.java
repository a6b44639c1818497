package io.meshfed.gateway.splice;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a spliced connection that moved no byte either way for the idle timeout. It sits on the
 * client's channel, which sees both directions: what the client sends is read there, what the
 * upstream sends is written there. The relay then closes the upstream too.
 */
final class IdleCloser extends IdleStateHandler {
  private static final Logger LOG = LoggerFactory.getLogger(IdleCloser.class);

  IdleCloser(Duration timeout) {
    super(0, 0, timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
    LOG.debug("gateway: closing {}: idle", ctx.channel().remoteAddress());
    ctx.close();
  }
}
