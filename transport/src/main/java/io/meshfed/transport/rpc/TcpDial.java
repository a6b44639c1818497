package io.meshfed.transport.rpc;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

/** The TCP dial every connector starts with: the client's event loops, a connect timeout, no Nagle. */
public final class TcpDial {
  private TcpDial() {}

  /** @param pipeline sets up the new channel's handlers before it connects */
  public static ChannelFuture open(EventLoopGroup group, InetSocketAddress address, Duration connectTimeout,
      Consumer<ChannelPipeline> pipeline) {
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(connectTimeout.toMillis()))
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            pipeline.accept(ch.pipeline());
          }
        })
        .connect(address);
  }
}
