package io.meshfed.actors.wan.swim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfed.actors.wan.proto.GossipAlive;
import io.meshfed.actors.wan.proto.GossipDead;
import io.meshfed.actors.wan.proto.GossipMemberUpdate;
import io.meshfed.actors.wan.proto.GossipPacket;
import io.meshfed.actors.wan.proto.GossipUpdates;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class GossipCodecTest {
  private static final String FROM = "a.b.c.dc1";

  private static SwimMessage roundTrip(SwimMessage m) throws GossipCodecException {
    GossipCodec.Envelope e = GossipCodec.decode(GossipCodec.encode(FROM, m));
    assertEquals(FROM, e.from());
    return e.message();
  }

  @Test
  void everyMessageRoundTrips() throws GossipCodecException {
    List<MemberUpdate> updates = List.of(new MemberUpdate.Alive("x.dc2", 3, "h:8300", Map.of("role", "server")),
        new MemberUpdate.Suspect("y.dc2", 4, FROM), new MemberUpdate.Dead("z.dc3", Long.MAX_VALUE, "z.dc3"),
        new MemberUpdate.Dead("w.dc3", 5, "w.dc3", true));
    for (SwimMessage m : List.of(new SwimMessage.Ping(1, "x.dc2", updates), new SwimMessage.PingReq(2, "x.dc2"),
        new SwimMessage.Ack(3, updates), new SwimMessage.Gossip(updates), new SwimMessage.Ack(4, List.of()))) {
      assertEquals(m, roundTrip(m));
    }
    Member member = new Member("x.dc2", "dc2", "h:8300", Map.of("ft_fs", "1"), 9, MemberState.LEFT, 0);
    assertEquals(new SwimMessage.PushPull(List.of(member)), roundTrip(new SwimMessage.PushPull(List.of(member))));
  }

  @Test
  void aRefusalRoundTripsAndAnOverlongOneIsRejected() throws GossipCodecException {
    SwimMessage.PushPull refusal = new SwimMessage.PushPull(List.of(), "no gossip version in common");
    assertEquals(refusal, roundTrip(refusal));
    byte[] overlong = GossipCodec.encode(FROM, new SwimMessage.PushPull(List.of(),
        "x".repeat(GossipCodec.MAX_REFUSAL_CHARS + 1)));
    GossipCodecException e = org.junit.jupiter.api.Assertions.assertThrows(GossipCodecException.class,
        () -> GossipCodec.decode(overlong));
    assertTrue(e.getMessage().contains("refusal of 1025 characters exceeds the limit of 1024"), e.getMessage());
  }

  @Property(tries = 200)
  void arbitraryBytesAreRejectedOrDecodedNeverCrash(@ForAll byte[] bytes) {
    try {
      GossipCodec.decode(bytes);
    } catch (GossipCodecException expected) {
      assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
    }
  }

  @Test
  void invalidMessagesAreRejectedWithAReason() {
    assertRejected(new byte[] {(byte) 0xff, 0x01}, "not a valid GossipPacket");
    assertRejected(GossipPacket.newBuilder().setFrom(FROM).build().toByteArray(), "has no body");
    assertRejected(GossipPacket.newBuilder().setFrom("no-datacenter").build().toByteArray(), "not a WAN member name");
    assertRejected(withAlive(GossipAlive.newBuilder().setName("x.dc2").setAddress("h:1").setIncarnation(-1)),
        "incarnation out of range");
    assertRejected(withAlive(GossipAlive.newBuilder().setName("x.DC2").setAddress("h:1")), "not a WAN member name");
    assertRejected(withAlive(GossipAlive.newBuilder().setName("x.dc2")), "member address");
    assertRejected(new byte[GossipCodec.MAX_MESSAGE_BYTES + 1], "exceeds the limit");
    assertRejected(GossipPacket.newBuilder().setFrom(FROM).setUpdates(GossipUpdates.newBuilder()
        .addUpdates(GossipMemberUpdate.newBuilder().setDead(GossipDead.newBuilder().setName("x.dc2").setFrom(FROM)
            .setPrune(true)))).build().toByteArray(), "only a leave can prune");
  }

  private static byte[] withAlive(GossipAlive.Builder alive) {
    return GossipPacket.newBuilder().setFrom(FROM).setUpdates(GossipUpdates.newBuilder()
        .addUpdates(GossipMemberUpdate.newBuilder().setAlive(alive))).build().toByteArray();
  }

  private static void assertRejected(byte[] bytes, String reason) {
    GossipCodecException e = assertThrows(GossipCodecException.class, () -> GossipCodec.decode(bytes));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }
}
