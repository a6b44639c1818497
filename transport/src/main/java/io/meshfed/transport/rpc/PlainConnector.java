package io.meshfed.transport.rpc;

import io.meshfed.protocol.names.WireConstants;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Dials the key's address without TLS and selects RPC with the plaintext type byte. Only for the same
 * DC in dev mode and tests: the server port accepts plaintext only where TLS is not configured.
 */
public final class PlainConnector implements Connector {
  private final Duration connectTimeout;

  public PlainConnector(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  @Override
  public CompletionStage<Channel> connect(PoolKey key, EventLoopGroup group, Consumer<ChannelPipeline> rpcInstaller) {
    CompletableFuture<Channel> result = new CompletableFuture<>();
    TcpDial.open(group, key.address(), connectTimeout, rpcInstaller)
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
