package io.meshfed.gateway.admin;

import io.meshfed.gateway.metrics.GatewayMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/** The pipeline of an admin connection: HTTP/1.1 with small, bodiless requests. */
public final class AdminInitializer extends ChannelInitializer<Channel> {
  /** The admin endpoints take no request body; anything bigger is not a scrape. */
  private static final int MAX_REQUEST_BYTES = 8 * 1024;

  private final GatewayMetrics metrics;
  private final ChannelGroup channels;

  public AdminInitializer(GatewayMetrics metrics, ChannelGroup channels) {
    this.metrics = metrics;
    this.channels = channels;
  }

  @Override
  protected void initChannel(Channel channel) {
    channels.add(channel);
    channel.pipeline()
        .addLast("http", new HttpServerCodec())
        .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
        .addLast("admin", new AdminHandler(metrics));
  }
}
