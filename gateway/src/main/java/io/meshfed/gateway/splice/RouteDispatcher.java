package io.meshfed.gateway.splice;

import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.metrics.RouteStats;
import io.meshfed.gateway.route.Route;
import io.meshfed.gateway.sni.HelloEvent;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acts on the {@link HelloEvent}: closes connections that cannot be routed, or admits the connection
 * to its route (within the route's cap) and hands it to an {@link UpstreamDialer}. Each refusal is
 * counted and logged once, at debug: clients cause them, and a flood must not flood the log.
 */
public final class RouteDispatcher extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(RouteDispatcher.class);

  private final SpliceConfig config;

  public RouteDispatcher(SpliceConfig config) {
    this.config = config;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof HelloEvent.Refused refused) {
      config.metrics().unrouted().count(Outcome.of(refused.reason()));
      close(ctx, refused.detail());
    } else if (event instanceof HelloEvent.ServerNamed named) {
      dispatch(ctx, named.hostName());
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  /** Bytes reach this handler only after a refusal (the buffered ClientHello); they go nowhere. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  private void dispatch(ChannelHandlerContext ctx, String serverName) {
    Optional<Route> route = config.routes().current().lookup(serverName);
    if (route.isEmpty()) {
      config.metrics().countUnknownSni();
      close(ctx, "no route for server name " + serverName);
      return;
    }
    RouteStats stats = config.metrics().route(route.get().name());
    if (!stats.tryOpen(config.maxConnectionsPerRoute())) {
      stats.count(Outcome.LIMIT);
      close(ctx, "route " + route.get().name() + " has " + config.maxConnectionsPerRoute() + " connections open");
      return;
    }
    long admitted = System.nanoTime();
    ctx.channel().closeFuture().addListener(closed -> stats.closed(admitted));
    ctx.pipeline().replace(this, "dialer", new UpstreamDialer(config, route.get(), stats));
  }

  private static void close(ChannelHandlerContext ctx, String reason) {
    LOG.debug("gateway: closing {}: {}", ctx.channel().remoteAddress(), reason);
    ctx.close();
  }
}
