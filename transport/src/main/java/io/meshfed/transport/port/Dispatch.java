package io.meshfed.transport.port;

import io.netty.channel.ChannelPipeline;

/** Hands an identified connection to its protocol and retires the handshake-phase guards. */
final class Dispatch {
  private final ServerPortStats stats;

  Dispatch(ServerPortStats stats) {
    this.stats = stats;
  }

  void to(ChannelPipeline pipeline, ProtocolHandler handler, ConnectionInfo info) {
    // The guards go only after install succeeded: an install that throws is still caught, logged
    // and closed by HandshakeErrors.
    handler.install(pipeline, info);
    pipeline.remove(ServerPortInitializer.HANDSHAKE_TIMEOUT);
    pipeline.remove(ServerPortInitializer.HANDSHAKE_ERRORS);
    stats.countDispatch();
  }
}
