package io.meshfed.actors.wan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfed.actors.wan.swim.Member;
import io.meshfed.actors.wan.swim.MemberState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The feature barrier's rules (docs/decisions/0010-feature-barrier.md), as Consul's
 * TestLeader_FederationStateAntiEntropy_FeatureIsStickyEvenIfSerfTagsRegress.
 */
class WanFeatureBarrierTest {
  private final List<Member> members = new ArrayList<>();
  private final WanFeatureBarrier secondary = new WanFeatureBarrier("dc2", "DC1", () -> List.copyOf(members));

  private static Member server(String node, String dc, boolean fs, MemberState state) {
    Map<String, String> tags = fs ? Map.of(Member.Tags.FEATURE_FEDERATION_STATES, "1", Member.Tags.ROLE, "server")
        : Map.of(Member.Tags.ROLE, "server");
    return new Member(node + "." + dc, dc, "10.0.0.1:8300", tags, 1, state, 0);
  }

  @Test
  void closedUntilServersOfThePrimaryAndOfThisDcAreKnown() {
    assertFalse(secondary.passed(), "nothing known");
    members.add(server("a", "dc2", true, MemberState.ALIVE));
    assertFalse(secondary.passed(), "no server of the primary known yet");
    members.add(server("b", "dc1", true, MemberState.ALIVE));
    assertTrue(secondary.passed());
  }

  @Test
  void oneServerWithoutTheFlagHoldsItUnlessItLeft() {
    members.add(server("a", "dc2", true, MemberState.ALIVE));
    members.add(server("b", "dc1", true, MemberState.ALIVE));
    members.add(server("c", "dc1", false, MemberState.DEAD));
    assertFalse(secondary.passed(), "a failed server of an older version may come back");
    members.set(2, server("c", "dc1", false, MemberState.LEFT));
    assertTrue(secondary.passed());
  }

  @Test
  void onceOpenItStaysOpenEvenIfTheTagsRegress() {
    members.add(server("a", "dc2", true, MemberState.ALIVE));
    members.add(server("b", "dc1", true, MemberState.ALIVE));
    assertTrue(secondary.passed());
    members.set(1, server("b", "dc1", false, MemberState.ALIVE));
    assertTrue(secondary.passed());
  }

  @Test
  void storedStatesLatchItWithoutAnyMember() {
    secondary.latch();
    assertTrue(secondary.passed());
  }

  @Test
  void thePrimaryLooksOnlyAtItself() {
    WanFeatureBarrier primary = new WanFeatureBarrier("dc1", "dc1", () -> List.copyOf(members));
    members.add(server("b", "dc1", true, MemberState.ALIVE));
    members.add(server("x", "dc3", false, MemberState.ALIVE));
    assertTrue(primary.passed());
  }
}
