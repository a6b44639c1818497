package io.meshfed.transport.port;

import io.meshfed.transport.limit.ConnectionLimit;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;

/**
 * A connection over the port's limit is refused before it has a pipeline, so nothing is read from
 * it. The pipeline of an admitted connection: {@code handshake-timeout}, {@code first-byte},
 * {@code handshake-errors}. The sniffer replaces itself with {@code alpn-offer}, {@code tls} and
 * {@code alpn} or with a plaintext protocol; dispatch removes the two guards.
 */
// Over any Channel, not SocketChannel: nothing here needs a socket, and tests run the real
// pipeline on an EmbeddedChannel.
final class ServerPortInitializer extends ChannelInitializer<Channel> {
  static final String HANDSHAKE_TIMEOUT = "handshake-timeout";
  static final String FIRST_BYTE = "first-byte";
  static final String ALPN_OFFER = "alpn-offer";
  static final String TLS = "tls";
  static final String ALPN = "alpn";
  static final String HANDSHAKE_ERRORS = "handshake-errors";

  private final ServerPortSettings settings;
  private final ConnectionLimit limit;
  private final ChannelGroup connections;
  private final Refusals refusals;
  private final Dispatch dispatch;

  ServerPortInitializer(ServerPortSettings settings, ServerPortStats stats, ConnectionLimit limit,
      ChannelGroup connections) {
    this.settings = settings;
    this.limit = limit;
    this.connections = connections;
    this.refusals = new Refusals(stats);
    this.dispatch = new Dispatch(stats);
  }

  @Override
  protected void initChannel(Channel channel) {
    if (!limit.tryAdmit(channel)) {
      refusals.refuse(channel, RefusalReason.CONNECTION_LIMIT,
          limit.max() + " connections open, the port's limit");
      return;
    }
    connections.add(channel);
    channel.pipeline()
        .addLast(HANDSHAKE_TIMEOUT, new HandshakeTimeout(settings.handshakeTimeout(), refusals))
        .addLast(FIRST_BYTE, new FirstByteSniffer(settings, refusals, dispatch))
        .addLast(HANDSHAKE_ERRORS, new HandshakeErrors(refusals));
  }
}
