package io.meshfed.actors.wan.swim;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.transport.fuzz.Fuzz;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Gossip arrives from anyone who can reach the server port: random bytes and mutated valid packets
 * (bit flips, truncation, duplicated fields, huge lengths) are a {@link GossipCodecException} or a
 * message within every limit, never another exception, and a valid packet still decodes after them.
 */
class GossipCodecFuzzTest {
  private static final String FROM = "n1.dc1";

  @Test
  void hostilePacketsAreRejectedOrDecodedWithinLimits() {
    Fuzz.run("gossip codec", c -> {
      SwimMessage valid = message(c.random);
      byte[] encoded = GossipCodec.encode(FROM, valid);
      byte[] input = c.input(c.random.nextInt(4) == 0 ? Fuzz.randomBytes(c.random, 256)
          : Fuzz.mutate(c.random, encoded));
      try {
        GossipCodec.Envelope decoded = GossipCodec.decode(input);
        // What is accepted encodes again and means the same: nothing half-validated gets through.
        assertThat(GossipCodec.decode(GossipCodec.encode(decoded.from(), decoded.message()))).isEqualTo(decoded);
      } catch (GossipCodecException refused) {
        assertThat(refused.getMessage()).isNotBlank();
      }
      assertThat(GossipCodec.decode(encoded)).isEqualTo(new GossipCodec.Envelope(FROM, valid));
    });
  }

  /** One valid message of any kind, with a few updates or members. */
  static SwimMessage message(SplittableRandom r) {
    return switch (r.nextInt(5)) {
      case 0 -> new SwimMessage.Ping(r.nextLong(Long.MAX_VALUE), name(r), updates(r));
      case 1 -> new SwimMessage.PingReq(r.nextLong(Long.MAX_VALUE), name(r));
      case 2 -> new SwimMessage.Ack(r.nextLong(Long.MAX_VALUE), updates(r));
      case 3 -> new SwimMessage.Gossip(updates(r));
      default -> {
        List<Member> members = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          String name = name(r);
          members.add(new Member(name, name.substring(name.indexOf('.') + 1), "10.0.0." + r.nextInt(256) + ":8300",
              tags(r), r.nextLong(Long.MAX_VALUE), MemberState.values()[r.nextInt(MemberState.values().length)], 0));
        }
        yield new SwimMessage.PushPull(members);
      }
    };
  }

  private static List<MemberUpdate> updates(SplittableRandom r) {
    List<MemberUpdate> out = new ArrayList<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      out.add(switch (r.nextInt(3)) {
        case 0 -> new MemberUpdate.Alive(name(r), r.nextLong(Long.MAX_VALUE), "h" + r.nextInt(9) + ":8300", tags(r));
        case 1 -> new MemberUpdate.Suspect(name(r), r.nextLong(Long.MAX_VALUE), name(r));
        default -> new MemberUpdate.Dead(name(r), r.nextLong(Long.MAX_VALUE), name(r));
      });
    }
    return out;
  }

  private static String name(SplittableRandom r) {
    return "n" + r.nextInt(20) + ".dc" + r.nextInt(5);
  }

  private static Map<String, String> tags(SplittableRandom r) {
    Map<String, String> tags = new HashMap<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      tags.put("t" + r.nextInt(10), "v" + r.nextInt(100));
    }
    return tags;
  }
}
