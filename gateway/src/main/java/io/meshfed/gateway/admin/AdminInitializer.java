package io.meshfed.gateway.admin;

import io.meshfed.gateway.metrics.AdminClosure;
import io.meshfed.gateway.metrics.GatewayMetrics;
import io.meshfed.transport.limit.ConnectionLimit;
import io.meshfed.transport.logging.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * The pipeline of an admin connection: HTTP/1.1 with small, bodiless requests, each due within a
 * timeout. A connection over the admin port's cap is closed before it has a pipeline.
 */
public final class AdminInitializer extends ChannelInitializer<Channel> {
  /** The admin endpoints take no request body; anything bigger is not a scrape. */
  private static final int MAX_REQUEST_BYTES = 8 * 1024;

  private final GatewayMetrics metrics;
  private final ChannelGroup channels;
  private final ConnectionLimit limit;
  private final Duration requestTimeout;
  private final Duration idleTimeout;
  private final RateLimitedLog refusals = RateLimitedLog.warn(LoggerFactory.getLogger(AdminInitializer.class));

  public AdminInitializer(GatewayMetrics metrics, ChannelGroup channels, ConnectionLimit limit,
      Duration requestTimeout, Duration idleTimeout) {
    this.metrics = metrics;
    this.channels = channels;
    this.limit = limit;
    this.requestTimeout = requestTimeout;
    this.idleTimeout = idleTimeout;
  }

  @Override
  protected void initChannel(Channel channel) {
    if (!limit.tryAdmit(channel)) {
      metrics.countAdminClosure(AdminClosure.LIMIT);
      refusals.log("gateway admin: refused {}: {} connections open, the admin port's limit", channel.remoteAddress(),
          limit.max());
      channel.close();
      return;
    }
    channels.add(channel);
    channel.pipeline()
        .addLast("http", new HttpServerCodec())
        .addLast("timeouts", new AdminTimeouts(requestTimeout, idleTimeout, metrics))
        .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
        .addLast("admin", new AdminHandler(metrics));
  }
}
