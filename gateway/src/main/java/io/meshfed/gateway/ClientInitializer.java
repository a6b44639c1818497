package io.meshfed.gateway;

import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.sni.SniReader;
import io.meshfed.gateway.splice.RouteDispatcher;
import io.meshfed.gateway.splice.SpliceConfig;
import io.meshfed.transport.limit.ConnectionLimit;
import io.meshfed.transport.logging.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * A client connection over the gateway's cap is closed before it has a pipeline, so nothing is
 * read from it. An admitted one starts with two handlers: read the SNI name, then act on it.
 */
final class ClientInitializer extends ChannelInitializer<Channel> {
  private final SpliceConfig config;
  private final ConnectionLimit limit;
  private final DrainSignal drain;
  private final RateLimitedLog refusals = RateLimitedLog.warn(LoggerFactory.getLogger(MeshGateway.class));
  private final int maxClientHelloBytes;
  private final Duration clientHelloTimeout;

  ClientInitializer(SpliceConfig config, ConnectionLimit limit, DrainSignal drain, int maxClientHelloBytes,
                    Duration clientHelloTimeout) {
    this.config = config;
    this.limit = limit;
    this.drain = drain;
    this.maxClientHelloBytes = maxClientHelloBytes;
    this.clientHelloTimeout = clientHelloTimeout;
  }

  @Override
  protected void initChannel(Channel channel) {
    if (!limit.tryAdmit(channel)) {
      config.metrics().unrouted().count(Outcome.LIMIT);
      refusals.log("gateway: refused {}: {} client connections open, the gateway's limit (max-connections)",
          channel.remoteAddress(), limit.max());
      channel.close();
      return;
    }
    config.channels().add(channel);
    // After the limit's own listener, which lowers the count a drain waits on.
    channel.closeFuture().addListener(closed -> drain.connectionClosed());
    channel.pipeline()
        .addLast("sni", new SniReader(maxClientHelloBytes, clientHelloTimeout))
        .addLast("router", new RouteDispatcher(config));
  }
}
