package io.meshfed.transport.port;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;

/**
 * The pipeline of a freshly accepted connection: {@code handshake-timeout}, {@code first-byte},
 * {@code handshake-errors}. The sniffer replaces itself with {@code alpn-offer}, {@code tls} and
 * {@code alpn} or with a plaintext protocol; dispatch removes the two guards.
 */
final class ServerPortInitializer extends ChannelInitializer<SocketChannel> {
  static final String HANDSHAKE_TIMEOUT = "handshake-timeout";
  static final String FIRST_BYTE = "first-byte";
  static final String ALPN_OFFER = "alpn-offer";
  static final String TLS = "tls";
  static final String ALPN = "alpn";
  static final String HANDSHAKE_ERRORS = "handshake-errors";

  private final ServerPortSettings settings;
  private final ChannelGroup connections;
  private final Refusals refusals;
  private final Dispatch dispatch;

  ServerPortInitializer(ServerPortSettings settings, ServerPortStats stats, ChannelGroup connections) {
    this.settings = settings;
    this.connections = connections;
    this.refusals = new Refusals(stats);
    this.dispatch = new Dispatch(stats);
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    connections.add(channel);
    channel.pipeline()
        .addLast(HANDSHAKE_TIMEOUT, new HandshakeTimeout(settings.handshakeTimeout(), refusals))
        .addLast(FIRST_BYTE, new FirstByteSniffer(settings, refusals, dispatch))
        .addLast(HANDSHAKE_ERRORS, new HandshakeErrors(refusals));
  }
}
