package io.meshfed.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;

/** The TLS server every target ends at: {@link ServerHandler} behind meshfed's server-port TLS. */
final class BenchServer implements AutoCloseable {
  /** Room for a few 64 KiB chunks in flight per connection, so bulk writes never wait on a wake-up. */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(512 * 1024, 1024 * 1024);

  private final EventLoopGroup group;
  private final Channel listener;

  private BenchServer(EventLoopGroup group, Channel listener) {
    this.group = group;
    this.listener = listener;
  }

  static BenchServer start(InetSocketAddress bind, SslContext tls, int threads) throws InterruptedException {
    NettyTransport transport = NettyTransport.select();
    EventLoopGroup group = transport.newGroup("bench-server", threads);
    try {
      Channel listener = new ServerBootstrap()
          .group(group)
          .channel(transport.serverChannel())
          .option(ChannelOption.SO_BACKLOG, 4096)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc()), new ServerHandler());
            }
          })
          .bind(bind).sync().channel();
      return new BenchServer(group, listener);
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully();
      throw e;
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    NettyTransport.shutdown(group);
  }
}
