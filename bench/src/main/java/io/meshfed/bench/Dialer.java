package io.meshfed.bench;

import io.meshfed.transport.tls.TlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Opens TLS connections to one target: TCP to {@code address}, SNI {@code serverName}, the server
 * certificate verified against the CA and that name (not the address, which may be a proxy's).
 */
final class Dialer implements AutoCloseable {
  static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  private final InetSocketAddress address;
  private final String serverName;
  private final SslContext tls;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;

  Dialer(InetSocketAddress address, String serverName, SslContext tls, int threads) {
    this.address = address;
    this.serverName = serverName;
    this.tls = tls;
    NettyTransport transport = NettyTransport.select();
    this.group = transport.newGroup("bench-client", threads);
    this.bootstrap = new Bootstrap()
        .group(group)
        .channel(transport.channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, BenchServer.WATER_MARK);
  }

  EventLoopGroup group() {
    return group;
  }

  /**
   * Connects with {@code handler} after the TLS handler; the future completes when the TLS
   * handshake has, and fails if any step fails.
   */
  Future<Channel> connect(ChannelHandler handler) {
    Promise<Channel> ready = group.next().newPromise();
    bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        SslHandler ssl = TlsContexts.clientHandler(tls, ch.alloc(), serverName, address.getPort());
        ch.pipeline().addLast(ssl, handler);
        ssl.handshakeFuture().addListener(done -> {
          if (!done.isSuccess()) {
            ready.tryFailure(done.cause());
            ch.close();
          } else {
            ready.trySuccess(ch);
          }
        });
      }
    }).connect(address).addListener(connected -> {
      if (!connected.isSuccess()) {
        ready.tryFailure(connected.cause());
      }
    });
    return ready;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
