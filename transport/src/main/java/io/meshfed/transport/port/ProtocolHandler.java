package io.meshfed.transport.port;

import io.netty.channel.ChannelPipeline;

/**
 * A protocol served on the server port. Called on the connection's event loop once the connection
 * has been identified; it adds its handlers with {@code addLast}. Bytes that arrived after the type
 * byte or during the TLS handshake are delivered to those handlers right after this returns.
 */
@FunctionalInterface
public interface ProtocolHandler {
  void install(ChannelPipeline pipeline, ConnectionInfo info);
}
