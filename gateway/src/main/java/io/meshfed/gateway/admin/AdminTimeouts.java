package io.meshfed.gateway.admin;

import io.meshfed.gateway.metrics.AdminClosure;
import io.meshfed.gateway.metrics.GatewayMetrics;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds how long an admin connection goes without a complete request, so silent and trickling
 * clients cannot hold one of the port's few connections: a new connection has the request timeout
 * to complete its first request, and after each response a kept-alive connection has the idle
 * timeout to complete its next one. Sits between the HTTP codec and the aggregator, where a
 * request's end ({@link LastHttpContent}) and each response pass by.
 */
final class AdminTimeouts extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AdminTimeouts.class);

  private final Duration requestTimeout;
  private final Duration idleTimeout;
  private final GatewayMetrics metrics;
  private ScheduledFuture<?> timer;

  AdminTimeouts(Duration requestTimeout, Duration idleTimeout, GatewayMetrics metrics) {
    this.requestTimeout = requestTimeout;
    this.idleTimeout = idleTimeout;
    this.metrics = metrics;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Added by the initializer, on a connection that is already accepted: its first request is due.
    arm(ctx, requestTimeout, AdminClosure.REQUEST_TIMEOUT);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof LastHttpContent) {
      cancel();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent) {
      promise = promise.unvoid();
      promise.addListener((ChannelFutureListener) written -> {
        if (written.channel().isOpen()) {
          arm(ctx, idleTimeout, AdminClosure.IDLE_TIMEOUT);
        }
      });
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  private void arm(ChannelHandlerContext ctx, Duration timeout, AdminClosure closure) {
    cancel();
    timer = ctx.executor().schedule(() -> {
      metrics.countAdminClosure(closure);
      LOG.debug("gateway admin: closing {}: no complete request within {} ms", ctx.channel().remoteAddress(),
          timeout.toMillis());
      ctx.close();
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
