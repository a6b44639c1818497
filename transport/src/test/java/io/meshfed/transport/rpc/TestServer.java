package io.meshfed.transport.rpc;

import io.meshfed.protocol.names.WireConstants;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Stands in for the server port: accepts on loopback, reads the plaintext type byte and installs the
 * RPC pipeline. Counts accepted connections so tests can see how many the client opened.
 */
final class TestServer implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("meshfed-rpc-test-server", true), NioIoHandler.newFactory());
  private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger accepted = new AtomicInteger();
  private final List<Channel> connections = new CopyOnWriteArrayList<>();
  private final Channel listener;

  TestServer(RpcServer server) {
    this(server.pipelineInstaller());
  }

  TestServer(Consumer<ChannelPipeline> installer) {
    listener = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            accepted.incrementAndGet();
            connections.add(ch);
            open.add(ch);
            ch.pipeline().addLast("type-byte", new TypeByteGate(installer));
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .syncUninterruptibly()
        .channel();
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  PoolKey key(String datacenter, String node) {
    return new PoolKey(datacenter, node, address());
  }

  int acceptedConnections() {
    return accepted.get();
  }

  /** The server end of the {@code n}th connection accepted, from 0. */
  Channel connection(int n) {
    return connections.get(n);
  }

  int openConnections() {
    return open.size();
  }

  void closeConnections() {
    open.close().awaitUninterruptibly();
  }

  @Override
  public void close() {
    listener.close().awaitUninterruptibly();
    open.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  private static final class TypeByteGate extends ByteToMessageDecoder {
    private final Consumer<ChannelPipeline> installer;

    TypeByteGate(Consumer<ChannelPipeline> installer) {
      this.installer = installer;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (!in.isReadable()) {
        return;
      }
      if (in.readByte() != WireConstants.TYPE_RPC) {
        ctx.close();
        return;
      }
      installer.accept(ctx.pipeline());
      ctx.pipeline().remove(this);
    }
  }
}
