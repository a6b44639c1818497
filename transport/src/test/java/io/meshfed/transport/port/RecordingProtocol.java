package io.meshfed.transport.port;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** A protocol that echoes every byte it receives and records the connections handed to it. */
final class RecordingProtocol implements ProtocolHandler {
  final String name;
  final BlockingQueue<ConnectionInfo> connections = new LinkedBlockingQueue<>();

  RecordingProtocol(String name) {
    this.name = name;
  }

  @Override
  public void install(ChannelPipeline pipeline, ConnectionInfo info) {
    connections.add(info);
    pipeline.addLast(name, new Echo());
  }

  private static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.writeAndFlush(msg);
    }

    /** A client hanging up mid-echo is expected in these tests; the connection just ends. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
