package io.meshfed.transport.rpc;

import io.meshfed.protocol.names.WireConstants;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Dials the key's address without TLS and selects RPC with the plaintext type byte. Only for the same
 * DC in dev mode and tests: the server port accepts plaintext only where TLS is not configured.
 */
public final class PlainConnector implements Connector {
  private final int connectTimeoutMillis;

  public PlainConnector(Duration connectTimeout) {
    this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
  }

  @Override
  public CompletionStage<Channel> connect(PoolKey key, EventLoopGroup group, Consumer<ChannelPipeline> rpcInstaller) {
    CompletableFuture<Channel> result = new CompletableFuture<>();
    new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            rpcInstaller.accept(ch.pipeline());
          }
        })
        .connect(key.address())
        .addListener((ChannelFuture connected) -> {
          if (!connected.isSuccess()) {
            result.completeExceptionally(connected.cause());
            return;
          }
          // Queued before the caller can write a frame: the type byte always goes first.
          connected.channel()
              .writeAndFlush(Unpooled.wrappedBuffer(new byte[] {WireConstants.TYPE_RPC}))
              .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
          result.complete(connected.channel());
        });
    return result;
  }
}
