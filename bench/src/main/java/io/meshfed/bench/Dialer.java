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

/**
 * Opens TLS connections to one target: TCP to {@code address}, SNI {@code serverName}, the server
 * certificate verified against the CA and that name (not the address, which may be a proxy's).
 * The event loops are the caller's: every target of a run shares them.
 */
final class Dialer {
  static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

  private final InetSocketAddress address;
  private final String serverName;
  private final SslContext tls;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;

  Dialer(InetSocketAddress address, String serverName, SslContext tls, EventLoopGroup group) {
    this.address = address;
    this.serverName = serverName;
    this.tls = tls;
    this.group = group;
    this.bootstrap = new Bootstrap()
        .group(group)
        .channel(NettyTransport.select().channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, BenchServer.WATER_MARK);
  }

  EventLoopGroup group() {
    return group;
  }

  InetSocketAddress address() {
    return address;
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
        ssl.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        ch.pipeline().addLast(ssl, handler);
        ssl.handshakeFuture().addListener(done -> {
          if (done.isSuccess()) {
            ready.trySuccess(ch);
          } else {
            ready.tryFailure(done.cause());
            ch.close();
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
}
