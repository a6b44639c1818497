package io.meshfed.actors.wan.swim;

/** Receives membership events synchronously from inside {@link SwimMembership}'s calls. */
@FunctionalInterface
public interface MembershipListener {
  void onEvent(MembershipEvent event);
}
