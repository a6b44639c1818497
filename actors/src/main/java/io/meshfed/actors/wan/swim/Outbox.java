package io.meshfed.actors.wan.swim;

/**
 * Where {@link SwimMembership} sends. Implementations must not call back into the membership
 * synchronously (an actor enqueues; the simulation schedules a delivery).
 */
public interface Outbox {
  /** Best effort, may be lost: {@code meshfed/wan-gossip/packet}. */
  void sendPacket(String toMember, SwimMessage message);

  /**
   * Opens a stream ({@code meshfed/wan-gossip/stream}) to {@code toMember}, sends {@code localState}
   * and hands the peer's answer (from {@link SwimMembership#answerStateExchange}) back through
   * {@link SwimMembership#receive}. {@code toMember} may be a join placeholder
   * ({@link SwimMembership#anyServerOf}), which the transport dials as "any server of that DC".
   */
  void exchangeState(String toMember, SwimMessage.PushPull localState);
}
