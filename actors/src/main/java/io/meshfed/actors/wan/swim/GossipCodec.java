package io.meshfed.actors.wan.swim;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshfed.actors.wan.proto.GossipAck;
import io.meshfed.actors.wan.proto.GossipAlive;
import io.meshfed.actors.wan.proto.GossipDead;
import io.meshfed.actors.wan.proto.GossipMemberState;
import io.meshfed.actors.wan.proto.GossipMemberStatus;
import io.meshfed.actors.wan.proto.GossipMemberUpdate;
import io.meshfed.actors.wan.proto.GossipPacket;
import io.meshfed.actors.wan.proto.GossipPing;
import io.meshfed.actors.wan.proto.GossipPingReq;
import io.meshfed.actors.wan.proto.GossipPushPull;
import io.meshfed.actors.wan.proto.GossipSuspect;
import io.meshfed.actors.wan.proto.GossipUpdates;
import io.meshfed.protocol.names.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link SwimMessage}s to and from bytes (protobuf, meshfed/internal/gossip.proto). Decoding checks
 * everything the membership relies on (member names, non-negative incarnations, limits), so a
 * malformed or hostile message is a {@link GossipCodecException} at the edge and never reaches the
 * state machine.
 */
public final class GossipCodec {
  /** The gossip frame limit (4 MiB, as the transport's); a push/pull of thousands of members still fits. */
  public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
  public static final int MAX_UPDATES = 4096;
  public static final int MAX_MEMBERS = 16384;
  public static final int MAX_TAGS = 64;
  public static final int MAX_TAG_LENGTH = 512;
  public static final int MAX_ADDRESS_LENGTH = 300;

  /** A decoded message and the member that says it sent it. */
  public record Envelope(String from, SwimMessage message) {}

  private GossipCodec() {}

  public static byte[] encode(String from, SwimMessage message) throws GossipCodecException {
    GossipPacket.Builder packet = GossipPacket.newBuilder().setFrom(from);
    if (message instanceof SwimMessage.Ping ping) {
      packet.setPing(GossipPing.newBuilder().setSeq(ping.seq()).setTarget(ping.target())
          .addAllPiggyback(toProto(ping.piggyback())));
    } else if (message instanceof SwimMessage.PingReq req) {
      packet.setPingReq(GossipPingReq.newBuilder().setSeq(req.seq()).setTarget(req.target()));
    } else if (message instanceof SwimMessage.Ack ack) {
      packet.setAck(GossipAck.newBuilder().setSeq(ack.seq()).addAllPiggyback(toProto(ack.piggyback())));
    } else if (message instanceof SwimMessage.Gossip gossip) {
      packet.setUpdates(GossipUpdates.newBuilder().addAllUpdates(toProto(gossip.updates())));
    } else if (message instanceof SwimMessage.PushPull state) {
      GossipPushPull.Builder pp = GossipPushPull.newBuilder();
      state.members().forEach(m -> pp.addMembers(toProto(m)));
      pp.setRefusal(state.refusal());
      packet.setPushPull(pp);
    }
    byte[] bytes = packet.build().toByteArray();
    if (bytes.length > MAX_MESSAGE_BYTES) {
      throw new GossipCodecException("gossip message of " + bytes.length + " bytes exceeds the limit of "
          + MAX_MESSAGE_BYTES);
    }
    return bytes;
  }

  public static Envelope decode(byte[] bytes) throws GossipCodecException {
    if (bytes.length > MAX_MESSAGE_BYTES) {
      throw new GossipCodecException("gossip message of " + bytes.length + " bytes exceeds the limit of "
          + MAX_MESSAGE_BYTES);
    }
    GossipPacket packet;
    try {
      packet = GossipPacket.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new GossipCodecException("gossip message is not a valid GossipPacket: " + e.getMessage(), e);
    }
    String from = memberName(packet.getFrom(), "from");
    SwimMessage message = switch (packet.getBodyCase()) {
      case PING -> new SwimMessage.Ping(seq(packet.getPing().getSeq()),
          memberName(packet.getPing().getTarget(), "ping target"), updates(packet.getPing().getPiggybackList()));
      case PING_REQ -> new SwimMessage.PingReq(seq(packet.getPingReq().getSeq()),
          memberName(packet.getPingReq().getTarget(), "ping-req target"));
      case ACK -> new SwimMessage.Ack(seq(packet.getAck().getSeq()), updates(packet.getAck().getPiggybackList()));
      case UPDATES -> new SwimMessage.Gossip(updates(packet.getUpdates().getUpdatesList()));
      case PUSH_PULL -> pushPull(packet.getPushPull());
      case BODY_NOT_SET -> throw new GossipCodecException("gossip message from " + from + " has no body");
    };
    return new Envelope(from, message);
  }

  // --- to proto ---

  private static List<GossipMemberUpdate> toProto(List<MemberUpdate> updates) {
    List<GossipMemberUpdate> out = new ArrayList<>(updates.size());
    for (MemberUpdate u : updates) {
      GossipMemberUpdate.Builder b = GossipMemberUpdate.newBuilder();
      if (u instanceof MemberUpdate.Alive a) {
        b.setAlive(GossipAlive.newBuilder().setName(a.name()).setIncarnation(a.incarnation())
            .setAddress(a.address()).putAllTags(a.tags()));
      } else if (u instanceof MemberUpdate.Suspect s) {
        b.setSuspect(GossipSuspect.newBuilder().setName(s.name()).setIncarnation(s.incarnation()).setFrom(s.from()));
      } else if (u instanceof MemberUpdate.Dead d) {
        b.setDead(GossipDead.newBuilder().setName(d.name()).setIncarnation(d.incarnation()).setFrom(d.from())
            .setPrune(d.prune()));
      }
      out.add(b.build());
    }
    return out;
  }

  private static GossipMemberState toProto(Member m) {
    GossipMemberStatus status = switch (m.state()) {
      case ALIVE -> GossipMemberStatus.GOSSIP_MEMBER_STATUS_ALIVE;
      case SUSPECT -> GossipMemberStatus.GOSSIP_MEMBER_STATUS_SUSPECT;
      case DEAD -> GossipMemberStatus.GOSSIP_MEMBER_STATUS_DEAD;
      case LEFT -> GossipMemberStatus.GOSSIP_MEMBER_STATUS_LEFT;
    };
    return GossipMemberState.newBuilder().setName(m.name()).setIncarnation(m.incarnation())
        .setAddress(m.address()).putAllTags(m.tags()).setStatus(status).build();
  }

  // --- from proto, validating ---

  private static List<MemberUpdate> updates(List<GossipMemberUpdate> in) throws GossipCodecException {
    if (in.size() > MAX_UPDATES) {
      throw new GossipCodecException(in.size() + " updates in one message exceed the limit of " + MAX_UPDATES);
    }
    List<MemberUpdate> out = new ArrayList<>(in.size());
    for (GossipMemberUpdate u : in) {
      out.add(switch (u.getKindCase()) {
        case ALIVE -> new MemberUpdate.Alive(memberName(u.getAlive().getName(), "alive"),
            incarnation(u.getAlive().getIncarnation()), address(u.getAlive().getAddress()),
            tags(u.getAlive().getTagsMap()));
        case SUSPECT -> new MemberUpdate.Suspect(memberName(u.getSuspect().getName(), "suspect"),
            incarnation(u.getSuspect().getIncarnation()), memberName(u.getSuspect().getFrom(), "suspect from"));
        case DEAD -> dead(u.getDead());
        case KIND_NOT_SET -> throw new GossipCodecException("member update without a kind");
      });
    }
    return out;
  }

  private static MemberUpdate.Dead dead(GossipDead in) throws GossipCodecException {
    String name = memberName(in.getName(), "dead");
    String from = memberName(in.getFrom(), "dead from");
    if (in.getPrune() && !name.equals(from)) {
      throw new GossipCodecException("a prune of " + name + " sent as a failure declared by " + from
          + ": only a leave can prune");
    }
    return new MemberUpdate.Dead(name, incarnation(in.getIncarnation()), from, in.getPrune());
  }

  /** A refusal is one line for a log: longer is not a refusal this build writes. */
  static final int MAX_REFUSAL_CHARS = 1024;

  private static SwimMessage.PushPull pushPull(GossipPushPull in) throws GossipCodecException {
    if (in.getMembersCount() > MAX_MEMBERS) {
      throw new GossipCodecException(in.getMembersCount() + " members exceed the limit of " + MAX_MEMBERS);
    }
    List<Member> members = new ArrayList<>(in.getMembersCount());
    for (GossipMemberState m : in.getMembersList()) {
      String name = memberName(m.getName(), "member");
      MemberState state = switch (m.getStatus()) {
        case GOSSIP_MEMBER_STATUS_ALIVE -> MemberState.ALIVE;
        case GOSSIP_MEMBER_STATUS_SUSPECT -> MemberState.SUSPECT;
        case GOSSIP_MEMBER_STATUS_DEAD -> MemberState.DEAD;
        case GOSSIP_MEMBER_STATUS_LEFT -> MemberState.LEFT;
        default -> throw new GossipCodecException("member " + name + " has no valid status");
      };
      // the state-change time is local knowledge; the receiver stamps its own
      members.add(new Member(name, Names.parseWanMemberName(name).orElseThrow().datacenter(),
          address(m.getAddress()), tags(m.getTagsMap()), incarnation(m.getIncarnation()), state, 0));
    }
    if (in.getRefusal().length() > MAX_REFUSAL_CHARS) {
      throw new GossipCodecException("a refusal of " + in.getRefusal().length() + " characters exceeds the limit of "
          + MAX_REFUSAL_CHARS);
    }
    return new SwimMessage.PushPull(members, in.getRefusal());
  }

  private static String memberName(String name, String what) throws GossipCodecException {
    if (Names.parseWanMemberName(name).isEmpty()) {
      throw new GossipCodecException(what + " '" + abbreviate(name) + "' is not a WAN member name <node>.<dc>");
    }
    return name;
  }

  private static long seq(long seq) throws GossipCodecException {
    if (seq < 0) {
      throw new GossipCodecException("sequence number out of range");
    }
    return seq;
  }

  private static long incarnation(long incarnation) throws GossipCodecException {
    if (incarnation < 0) {
      throw new GossipCodecException("incarnation out of range (above 2^63 - 1)");
    }
    return incarnation;
  }

  private static String address(String address) throws GossipCodecException {
    if (address.isEmpty() || address.length() > MAX_ADDRESS_LENGTH) {
      throw new GossipCodecException("member address must be 1 to " + MAX_ADDRESS_LENGTH + " characters");
    }
    return address;
  }

  private static Map<String, String> tags(Map<String, String> tags) throws GossipCodecException {
    if (tags.size() > MAX_TAGS) {
      throw new GossipCodecException(tags.size() + " tags exceed the limit of " + MAX_TAGS);
    }
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      if (tag.getKey().length() > MAX_TAG_LENGTH || tag.getValue().length() > MAX_TAG_LENGTH) {
        throw new GossipCodecException("tag '" + abbreviate(tag.getKey()) + "' is longer than "
            + MAX_TAG_LENGTH + " characters");
      }
    }
    return tags;
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }
}
