package io.meshfed.gateway.splice;

import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.metrics.RouteStats;
import io.meshfed.gateway.route.Route;
import io.meshfed.gateway.upstream.Upstream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a routed client to an endpoint of its route: while connecting it holds the client's bytes
 * (the ClientHello, perhaps more) and reads no further; a failed connect moves on to another endpoint,
 * which is safe because not a byte has gone upstream yet. On success it hands both channels to a
 * {@link Splice}.
 */
final class UpstreamDialer extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamDialer.class);

  private final SpliceConfig config;
  private final Route route;
  private final RouteStats stats;
  private final Set<InetSocketAddress> tried = new HashSet<>();
  private final List<ByteBuf> held = new ArrayList<>();
  private boolean clientInputShutdown;
  private Channel connecting;

  UpstreamDialer(SpliceConfig config, Route route, RouteStats stats) {
    this.config = config;
    this.route = route;
    this.stats = stats;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(false);
    dial(ctx, null);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    held.add((ByteBuf) msg);
  }

  /** A client may send its ClientHello and half-close at once; the splice must learn of it. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      clientInputShutdown = true;
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  /** The client left: abandon the connect; its listener counts the outcome. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (connecting != null) {
      connecting.close();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    held.forEach(ByteBuf::release);
    held.clear();
  }

  private void dial(ChannelHandlerContext ctx, Throwable lastFailure) {
    Optional<Upstream> next = tried.size() < config.connectAttempts()
        ? config.selector().choose(route, tried) : Optional.empty();
    if (next.isEmpty()) {
      stats.count(Outcome.UPSTREAM_FAILED);
      LOG.info("gateway: closing {}: no endpoint of route {} accepted a connection (tried {}; last error: {})",
          ctx.channel().remoteAddress(), route.name(), tried, lastFailure == null ? "none" : lastFailure.toString());
      ctx.close();
      return;
    }
    Upstream upstream = next.get();
    tried.add(upstream.address());
    ChannelFuture connect = config.upstreamBootstrap().clone(ctx.channel().eventLoop()).connect(upstream.address());
    connecting = connect.channel();
    config.channels().add(connecting);
    connect.addListener(done -> connected(ctx, upstream, connect));
  }

  private void connected(ChannelHandlerContext ctx, Upstream upstream, ChannelFuture connect) {
    connecting = null;
    Channel upstreamChannel = connect.channel();
    if (connect.isSuccess()) {
      upstream.connected();
      upstreamChannel.closeFuture().addListener(closed -> upstream.closed());
    }
    if (!ctx.channel().isActive()) {
      // The client's leaving, not the endpoint, ended this attempt: no failure is held against it.
      stats.count(Outcome.CLIENT_CLOSED);
      upstreamChannel.close();
      return;
    }
    if (!connect.isSuccess()) {
      upstream.failed();
      LOG.debug("gateway: connecting {} to {} ({}) failed: {}",
          ctx.channel().remoteAddress(), upstream.address(), route.name(), connect.cause().toString());
      dial(ctx, connect.cause());
      return;
    }
    stats.count(Outcome.SPLICED);
    Splice.start(ctx, upstreamChannel, List.copyOf(held), clientInputShutdown, stats, config.idleTimeout());
    held.clear();
    ctx.pipeline().remove(this);
  }
}
