package io.meshfed.actors.wan.swim;

import java.util.List;
import java.util.Objects;

/** What members send each other. The sender's name travels beside the message (see {@link GossipCodec}). */
public sealed interface SwimMessage {

  /** A probe of {@code target}, answered with an {@link Ack} of the same {@code seq}. */
  record Ping(long seq, String target, List<MemberUpdate> piggyback) implements SwimMessage {
    public Ping {
      Objects.requireNonNull(target, "target");
      piggyback = List.copyOf(piggyback);
    }
  }

  /** Asks the receiver to probe {@code target} for the sender and relay the ack. */
  record PingReq(long seq, String target) implements SwimMessage {
    public PingReq {
      Objects.requireNonNull(target, "target");
    }
  }

  record Ack(long seq, List<MemberUpdate> piggyback) implements SwimMessage {
    public Ack {
      piggyback = List.copyOf(piggyback);
    }
  }

  /** Updates sent on the gossip tick, with no probe attached. */
  record Gossip(List<MemberUpdate> updates) implements SwimMessage {
    public Gossip {
      updates = List.copyOf(updates);
    }
  }

  /**
   * A member's whole table, exchanged both ways over a stream; or, as an answer, the refusal of the
   * exchange (then no members): the two sides have no protocol version in common ({@link WanVersions}).
   */
  record PushPull(List<Member> members, String refusal) implements SwimMessage {
    public PushPull {
      members = List.copyOf(members);
      Objects.requireNonNull(refusal, "refusal");
    }

    public PushPull(List<Member> members) {
      this(members, "");
    }

    public boolean refused() {
      return !refusal.isEmpty();
    }
  }
}
