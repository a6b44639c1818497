package io.meshfed.gateway;

import io.meshfed.gateway.sni.SniReader;
import io.meshfed.gateway.splice.RouteDispatcher;
import io.meshfed.gateway.splice.SpliceConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.time.Duration;

/** A client connection starts with two handlers: read the SNI name, then act on it. */
final class ClientInitializer extends ChannelInitializer<Channel> {
  private final SpliceConfig config;
  private final int maxClientHelloBytes;
  private final Duration clientHelloTimeout;

  ClientInitializer(SpliceConfig config, int maxClientHelloBytes, Duration clientHelloTimeout) {
    this.config = config;
    this.maxClientHelloBytes = maxClientHelloBytes;
    this.clientHelloTimeout = clientHelloTimeout;
  }

  @Override
  protected void initChannel(Channel channel) {
    config.channels().add(channel);
    channel.pipeline()
        .addLast("sni", new SniReader(maxClientHelloBytes, clientHelloTimeout))
        .addLast("router", new RouteDispatcher(config));
  }
}
