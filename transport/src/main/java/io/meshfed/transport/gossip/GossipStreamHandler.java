package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;
import java.util.concurrent.CompletionStage;

/** Answers one state exchange on {@code meshfed/wan-gossip/stream}: a request in, a response out. */
@FunctionalInterface
public interface GossipStreamHandler {
  /** Called on the server port's event loop: must not block; complete the stage from anywhere. */
  CompletionStage<byte[]> exchange(byte[] request, ConnectionInfo connection);
}
