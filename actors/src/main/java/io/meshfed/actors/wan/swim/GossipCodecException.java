package io.meshfed.actors.wan.swim;

/** A gossip message that cannot be decoded or breaks a limit; the transport drops it and logs why. */
public final class GossipCodecException extends Exception {
  public GossipCodecException(String message) {
    super(message);
  }

  public GossipCodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
