package io.meshfed.transport.gossip;

import io.meshfed.protocol.names.WireConstants;
import java.io.IOException;

/**
 * A gossip frame above {@link WireConstants#MAX_GOSSIP_FRAME_BYTES}: refused before sending, or read
 * as a length prefix from a peer, which then loses its connection (a DoS guard).
 */
public final class GossipFrameTooLargeException extends IOException {
  private final long size;

  public GossipFrameTooLargeException(long size) {
    super("gossip packet size " + size + " exceeds threshold of " + WireConstants.MAX_GOSSIP_FRAME_BYTES);
    this.size = size;
  }

  public long size() {
    return size;
  }

  static boolean tooLarge(long size) {
    return size > WireConstants.MAX_GOSSIP_FRAME_BYTES;
  }
}
