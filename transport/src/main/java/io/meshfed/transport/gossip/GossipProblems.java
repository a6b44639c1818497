package io.meshfed.transport.gossip;

import io.meshfed.transport.logging.RateLimitedLog;
import org.slf4j.LoggerFactory;

/**
 * What one gossip component drops or closes because a peer broke the protocol, or because our own
 * handler failed: each is counted in {@link GossipCounters} and logged within the limit of its kind
 * ({@link RateLimitedLog}), since a peer can cause any number of them. The connection is the
 * caller's to close or keep.
 */
final class GossipProblems {
  private final GossipCounters counters;
  private final RateLimitedLog oversize = RateLimitedLog.warn(LoggerFactory.getLogger(GossipConnectionErrors.class));
  private final RateLimitedLog dropped = RateLimitedLog.warn(LoggerFactory.getLogger(GossipPacketDelivery.class));
  private final RateLimitedLog listenerFailed =
      RateLimitedLog.warn(LoggerFactory.getLogger(GossipPacketDelivery.class));
  private final RateLimitedLog streamAnswerFailed = RateLimitedLog.warn(LoggerFactory.getLogger(GossipStreamResponder.class));

  GossipProblems(GossipCounters counters) {
    this.counters = counters;
  }

  /** A frame over 4 MiB, refused from its length prefix. */
  void oversize(String peer, GossipFrameTooLargeException tooLarge) {
    counters.countOversize();
    oversize.log("closing gossip connection with {}: {}", peer, tooLarge.getMessage());
  }

  /** A packet that carries nothing to decode, or one the listener could not decode. */
  void dropped(String peer, String why) {
    counters.countDropped();
    dropped.log("dropped a gossip packet from {}: {}", peer, why);
  }

  /** The packet listener threw: our bug, so the first ones keep their stack trace. */
  void listenerFailed(String peer, RuntimeException failure) {
    counters.countHandlerFailure();
    listenerFailed.log("gossip packet listener failed on a packet from {}", peer, failure);
  }

  /**
   * The stream handler failed, or answered null ({@code failure} null): the exchange is closed
   * without an answer.
   */
  void streamHandlerFailed(String peer, Throwable failure) {
    counters.countHandlerFailure();
    streamAnswerFailed.log("gossip stream handler failed for {}; closing without an answer", peer, failure);
  }

  /** The stream handler's answer is over 4 MiB. */
  void responseTooLarge(String peer, int size) {
    counters.countOversize();
    streamAnswerFailed.log("gossip stream response to {} refused: {}", peer,
        new GossipFrameTooLargeException(size).getMessage());
  }
}
