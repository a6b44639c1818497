package io.meshfed.actors.wan.swim;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.wan.swim.MemberUpdate.Alive;
import io.meshfed.protocol.version.ProtocolRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Members whose protocol versions do not overlap are refused, on both sides of a state exchange. */
class VersionRefusalTest {
  private static final String ME = "me.dc1";
  private static final String B = "b.dc2";
  private static final String C = "c.dc3";

  private final List<SwimMessage> sent = new ArrayList<>();
  private final List<MembershipEvent> events = new ArrayList<>();
  private final List<String> refusals = new ArrayList<>();
  private final SwimMembership swim = member("me", "dc1", tags("0.2.0", 1, 1));

  private SwimMembership member(String node, String dc, Map<String, String> tags) {
    SwimMembership m = new SwimMembership(node, dc, "10.0.0.1:8300", tags, SimNetwork.SETTINGS,
        new SplittableRandom(7), new Outbox() {
          @Override
          public void sendPacket(String toMember, SwimMessage message) {
            sent.add(message);
          }

          @Override
          public void exchangeState(String toMember, SwimMessage.PushPull localState) {
            sent.add(localState);
          }
        }, events::add, 0);
    m.observeRefusals(new SwimMembership.RefusalObserver() {
      @Override
      public void refused(String name, String address, String reason) {
        refusals.add("refused " + name + " at " + address + ": " + reason);
      }

      @Override
      public void refusedBy(String peer, String reason) {
        refusals.add("refused by " + peer + ": " + reason);
      }
    });
    return m;
  }

  private static Map<String, String> tags(String release, int gossipMin, int gossipMax) {
    Map<String, String> tags = new HashMap<>(WanVersions.tags(new ProtocolRange(gossipMin, gossipMax),
        new ProtocolRange(1, 1)));
    tags.put(Member.Tags.VERSION, release);
    return tags;
  }

  private static Member alive(String name, long incarnation, Map<String, String> tags) {
    return new Member(name, name.substring(name.lastIndexOf('.') + 1), "10.0.0.9:8300", tags, incarnation,
        MemberState.ALIVE, 0);
  }

  @Test
  void aMemberOfTheSameOrAnAdjacentReleaseIsListed() {
    swim.receive(B, new SwimMessage.Gossip(List.of(new Alive(B, 1, "10.0.0.2:8300", tags("0.3.0", 1, 2)))), 1);
    assertThat(swim.member(B)).isPresent();
    assertThat(refusals).isEmpty();
  }

  @Test
  void aMemberThatAdvertisesNoVersionsIsRelease010AndSpeaksVersion1() {
    swim.receive(B, new SwimMessage.Gossip(List.of(new Alive(B, 1, "10.0.0.2:8300",
        Map.of(Member.Tags.VERSION, "0.1.0", Member.Tags.ROLE, "server")))), 1);
    assertThat(swim.member(B)).isPresent();
    assertThat(refusals).isEmpty();
  }

  @Test
  void aMemberWithNoCommonGossipVersionIsNotListedAndTheReasonNamesBothReleases() {
    swim.receive(C, new SwimMessage.Gossip(List.of(new Alive(B, 1, "10.0.0.2:8300", tags("9.0.0", 3, 4)))), 1);
    assertThat(swim.member(B)).isEmpty();
    assertThat(events).isEmpty();
    assertThat(refusals).containsExactly("refused b.dc2 at 10.0.0.2:8300: me.dc1 (meshfed 0.2.0) understands gossip 1"
        + " and internal RPC 1, b.dc2 (meshfed 9.0.0) gossip 3-4 and internal RPC 1: no gossip version in common;"
        + " run releases at most one apart (docs/upgrading.md)");
  }

  @Test
  void unreadableVersionTagsAreRefused() {
    Map<String, String> bad = new HashMap<>(tags("0.2.0", 1, 1));
    bad.put(Member.Tags.GOSSIP_VERSION_MAX, "x");
    swim.receive(C, new SwimMessage.Gossip(List.of(new Alive(B, 1, "10.0.0.2:8300", bad))), 1);
    Map<String, String> half = new HashMap<>(tags("0.2.0", 1, 1));
    half.remove(Member.Tags.RPC_VERSION_MIN);
    swim.receive(C, new SwimMessage.Gossip(List.of(new Alive(C, 1, "10.0.0.3:8300", half))), 1);
    assertThat(swim.member(B)).isEmpty();
    assertThat(swim.member(C)).isEmpty();
    assertThat(refusals).hasSize(2).allMatch(r -> r.contains("advertises unreadable protocol versions"));
  }

  @Test
  void aStateExchangeFromAnIncompatibleMemberIsAnsweredWithARefusalAndMergesNothing() {
    SwimMessage.PushPull answer = swim.answerStateExchange(B, new SwimMessage.PushPull(List.of(
        alive(B, 1, tags("9.0.0", 3, 3)), alive(C, 1, tags("0.2.0", 1, 1)))), 1);
    assertThat(answer.refused()).isTrue();
    assertThat(answer.members()).isEmpty();
    assertThat(answer.refusal()).contains("no gossip version in common");
    // not even the compatible members it knows: what it says cannot be trusted to mean the same
    assertThat(swim.member(C)).isEmpty();
    assertThat(refusals).hasSize(1).allMatch(r -> r.startsWith("refused b.dc2 at 10.0.0.9:8300: "));
  }

  @Test
  void aRefusalAnswerIsReportedAndChangesNothing() {
    swim.receive(B, new SwimMessage.PushPull(List.of(), "b.dc2 (meshfed 9.0.0) understands gossip 3 ..."), 1);
    assertThat(refusals).containsExactly("refused by b.dc2: b.dc2 (meshfed 9.0.0) understands gossip 3 ...");
    assertThat(swim.members()).extracting(Member::name).containsExactly(ME);
  }

  @Test
  void anAnswerFromAnIncompatibleMemberIsNotMerged() {
    swim.receive(B, new SwimMessage.PushPull(List.of(alive(B, 1, tags("9.0.0", 3, 3)),
        alive(C, 1, tags("0.2.0", 1, 1)))), 1);
    assertThat(swim.members()).extracting(Member::name).containsExactly(ME);
    assertThat(refusals).hasSize(1);
  }

  @Test
  void aListedMemberThatComesBackSpeakingNoCommonVersionLeavesThisServersList() {
    swim.receive(B, new SwimMessage.Gossip(List.of(new Alive(B, 1, "10.0.0.2:8300", tags("0.2.0", 1, 1)))), 1);
    swim.receive(B, new SwimMessage.Gossip(List.of(new Alive(B, 2, "10.0.0.2:8300", tags("9.0.0", 3, 3)))), 2);
    assertThat(swim.member(B).orElseThrow().state()).isEqualTo(MemberState.LEFT);
    assertThat(events).hasSize(2).last().isInstanceOf(MembershipEvent.Left.class);
    // the same announcement again changes nothing; a compatible one brings it back
    swim.receive(B, new SwimMessage.Gossip(List.of(new Alive(B, 2, "10.0.0.2:8300", tags("9.0.0", 3, 3)))), 3);
    assertThat(events).hasSize(2);
    swim.receive(B, new SwimMessage.Gossip(List.of(new Alive(B, 3, "10.0.0.2:8300", tags("0.2.1", 1, 1)))), 4);
    assertThat(swim.member(B).orElseThrow().state()).isEqualTo(MemberState.ALIVE);
  }

  @Test
  void twoMembersOfAdjacentReleasesExchangeStateBothWays() {
    SwimMembership next = member("b", "dc2", tags("0.3.0", 1, 2));
    SwimMessage.PushPull answer = next.answerStateExchange(ME, new SwimMessage.PushPull(swim.members()), 1);
    assertThat(answer.refused()).isFalse();
    swim.receive(B, answer, 2);
    assertThat(swim.member(B)).isPresent();
    assertThat(next.member(ME)).isPresent();
    assertThat(refusals).isEmpty();
  }
}
