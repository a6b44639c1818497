package io.meshfed.actors.wan.swim;

/**
 * A change other components care about: the router keeps DC → alive servers from these, the members
 * API lists them. Suspicion is deliberately not an event: a suspect member is still routed to until
 * it is declared dead, as in memberlist/Serf.
 */
public sealed interface MembershipEvent {
  Member member();

  /** A member seen for the first time, or again after it had left. */
  record Joined(Member member) implements MembershipEvent {}

  /** An alive member's address or tags changed. */
  record Updated(Member member) implements MembershipEvent {}

  /** Declared dead: its suspicion timed out (or another member said so). */
  record Failed(Member member) implements MembershipEvent {}

  /** Left gracefully. */
  record Left(Member member) implements MembershipEvent {}

  /** A member declared dead refuted it (typically after a partition healed). */
  record Recovered(Member member) implements MembershipEvent {}

  /**
   * Forgotten: failed longer than the reconnect timeout, or left longer than the tombstone timeout
   * (Serf's), so that a federation's member list does not grow with every server ever replaced.
   */
  record Reaped(Member member) implements MembershipEvent {}

  /**
   * Forgotten at once by an operator's force-leave with prune (here or heard by gossip), in
   * whatever state it was: {@code member} as it was known just before.
   */
  record Pruned(Member member) implements MembershipEvent {}
}
