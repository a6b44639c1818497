package io.meshfed.actors.wan.swim;

/** SWIM member states. Suspect members still count as reachable (they may refute). */
public enum MemberState {
  ALIVE,
  SUSPECT,
  DEAD,
  LEFT;

  /** Dead and left members are neither probed nor chosen for push/pull. */
  public boolean isGone() {
    return this == DEAD || this == LEFT;
  }
}
