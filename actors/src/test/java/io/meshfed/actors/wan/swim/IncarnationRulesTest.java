package io.meshfed.actors.wan.swim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfed.actors.wan.swim.MemberUpdate.Alive;
import io.meshfed.actors.wan.swim.MemberUpdate.Dead;
import io.meshfed.actors.wan.swim.MemberUpdate.Suspect;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The SWIM incarnation rules and refutation, one member driven by hand. */
class IncarnationRulesTest {
  private static final String ME = "me.dc1";
  private static final String B = "node-b.example.com.dc2"; // a dotted node name: split on the last dot
  private static final SwimSettings S = SimNetwork.SETTINGS;

  private record Sent(String to, SwimMessage message) {}

  private final List<Sent> sent = new ArrayList<>();
  private final List<MembershipEvent> events = new ArrayList<>();
  private final SwimMembership swim = new SwimMembership("me", "dc1", "10.0.0.1:8300", Map.of(), S,
      new SplittableRandom(7), new Outbox() {
        @Override
        public void sendPacket(String toMember, SwimMessage message) {
          sent.add(new Sent(toMember, message));
        }

        @Override
        public void exchangeState(String toMember, SwimMessage.PushPull localState) {
          sent.add(new Sent(toMember, localState));
        }
      }, events::add, 0);

  private void hear(long now, MemberUpdate... updates) {
    swim.receive(B, new SwimMessage.Gossip(List.of(updates)), now);
  }

  private MemberState stateOfB() {
    return swim.member(B).orElseThrow().state();
  }

  private static Alive aliveB(long incarnation) {
    return new Alive(B, incarnation, "10.0.0.2:8300", Map.of("role", "server"));
  }

  private record Pinged(long at, SwimMessage.Ping ping) {}

  /** Ticks from 0 until this member sends its first ping. */
  private Pinged tickUntilPing() {
    long t = 0;
    while (true) {
      swim.tick(t += SimNetwork.TICK_MS);
      Optional<SwimMessage.Ping> ping = sent.stream().map(Sent::message).filter(m -> m instanceof SwimMessage.Ping)
          .map(m -> (SwimMessage.Ping) m).findFirst();
      if (ping.isPresent()) {
        return new Pinged(t, ping.get());
      }
    }
  }

  /** The updates this member piggy-backs on its next ack. */
  private List<MemberUpdate> nextPiggyback() {
    swim.receive(B, new SwimMessage.Ping(99, ME, List.of()), 1);
    return ((SwimMessage.Ack) sent.get(sent.size() - 1).message()).piggyback();
  }

  @Test
  void anAnsweredProbeIsReportedOnceWithItsRoundTripAndTheTargetsDatacenter() {
    List<String> answered = new ArrayList<>();
    swim.observeProbes((dc, millis, indirect) -> answered.add(dc + " " + millis + " " + indirect));
    hear(0, aliveB(1));
    Pinged pinged = tickUntilPing();
    swim.receive(B, new SwimMessage.Ack(pinged.ping().seq(), List.of()), pinged.at() + 40);
    swim.receive(B, new SwimMessage.Ack(pinged.ping().seq(), List.of()), pinged.at() + 90); // a duplicate
    swim.receive(B, new SwimMessage.Ack(pinged.ping().seq() + 1000, List.of()), pinged.at() + 95); // not ours
    assertEquals(List.of("dc2 40 false"), answered);
  }

  @Test
  void newMemberJoinsWithItsDatacenterFromTheLastDot() {
    hear(0, aliveB(3));
    Member b = swim.member(B).orElseThrow();
    assertEquals("dc2", b.datacenter());
    assertEquals(3, b.incarnation());
    assertEquals(List.of(new MembershipEvent.Joined(b)), events);
  }

  @Test
  void suspectOverridesAliveAtSameIncarnationButNotAnOlderOne() {
    hear(0, aliveB(3));
    hear(1, new Suspect(B, 2, ME));
    assertEquals(MemberState.ALIVE, stateOfB());
    hear(2, new Suspect(B, 3, ME));
    assertEquals(MemberState.SUSPECT, stateOfB());
  }

  @Test
  void onlyAHigherAliveClearsASuspicion() {
    hear(0, aliveB(3), new Suspect(B, 3, ME));
    hear(1, aliveB(3));
    assertEquals(MemberState.SUSPECT, stateOfB());
    hear(2, aliveB(4));
    assertEquals(MemberState.ALIVE, stateOfB());
    swim.tick(S.suspicionTimeout(2).toMillis() + 10);
    assertEquals(MemberState.ALIVE, stateOfB(), "the cleared suspicion must not time out");
  }

  @Test
  void suspicionTimesOutToDead() {
    hear(0, aliveB(1), new Suspect(B, 1, ME));
    swim.tick(S.suspicionTimeout(2).toMillis() - 1);
    assertEquals(MemberState.SUSPECT, stateOfB());
    swim.tick(S.suspicionTimeout(2).toMillis());
    assertEquals(MemberState.DEAD, stateOfB());
    assertTrue(events.get(events.size() - 1) instanceof MembershipEvent.Failed);
  }

  @Test
  void failedMembersAreForgottenAfterTheReconnectTimeoutAndLeftOnesAfterTheTombstoneTimeout() {
    String c = "c.dc3";
    hear(0, aliveB(1), new Dead(B, 1, ME), new Alive(c, 1, "10.0.0.3:8300", Map.of()), new Dead(c, 1, c));
    assertEquals(MemberState.LEFT, swim.member(c).orElseThrow().state());
    // ticks run reaping at most every reconnect interval
    long step = S.reconnectInterval().toMillis();
    for (long t = step; t < S.tombstoneTimeout().toMillis() + 2 * step; t += step) {
      swim.tick(t);
    }
    assertTrue(swim.member(c).isEmpty(), "left a tombstone timeout ago");
    assertEquals(MemberState.DEAD, stateOfB(), "failed less than the reconnect timeout ago: still retried");
    for (long t = S.tombstoneTimeout().toMillis() + 2 * step; t < S.reconnectTimeout().toMillis() + 2 * step;
        t += step) {
      swim.tick(t);
    }
    assertTrue(swim.member(B).isEmpty());
    assertEquals(List.of(c, B), events.stream().filter(e -> e instanceof MembershipEvent.Reaped)
        .map(e -> e.member().name()).toList());
  }

  @Test
  void deadOverridesAliveAndSuspectAtSameOrHigherIncarnationOnly() {
    hear(0, aliveB(5));
    hear(1, new Dead(B, 4, ME));
    assertEquals(MemberState.ALIVE, stateOfB());
    hear(2, new Suspect(B, 5, ME), new Dead(B, 5, ME));
    assertEquals(MemberState.DEAD, stateOfB());
    hear(3, new Dead(B, 7, ME), new Suspect(B, 7, ME));
    assertEquals(MemberState.DEAD, stateOfB(), "a failed member stays failed when accused again");
  }

  @Test
  void aLeaveTurnsAFailedMemberLeftButNotAStaleOne() {
    hear(0, aliveB(5), new Dead(B, 5, ME));
    hear(1, new Dead(B, 4, B));
    assertEquals(MemberState.DEAD, stateOfB(), "a leave below the known incarnation is stale");
    hear(2, new Dead(B, 5, B));
    assertEquals(MemberState.LEFT, stateOfB());
    assertTrue(events.get(events.size() - 1) instanceof MembershipEvent.Left);
    hear(3, new Dead(B, 6, ME));
    assertEquals(MemberState.LEFT, stateOfB(), "a left member is not failed again");
  }

  @Test
  void forceLeaveMakesAFailedMemberLeftAndBroadcastsTheLeave() {
    hear(0, aliveB(5), new Dead(B, 5, ME));
    assertEquals(SwimMembership.ForceLeave.LEFT, swim.forceLeave(B, false, 1));
    assertEquals(MemberState.LEFT, stateOfB());
    assertEquals(5, swim.member(B).orElseThrow().incarnation(), "only a member raises its own incarnation");
    assertTrue(events.get(events.size() - 1) instanceof MembershipEvent.Left);
    assertTrue(nextPiggyback().contains(new Dead(B, 5, B)), "the leave is broadcast under B's name");
    assertEquals(SwimMembership.ForceLeave.ALREADY_LEFT, swim.forceLeave(B, false, 2));
  }

  @Test
  void forceLeaveRefusesAnAliveOrSuspectMemberUnlessPrunedAndNamesUnknownAndSelf() {
    hear(0, aliveB(1));
    assertEquals(SwimMembership.ForceLeave.ALIVE, swim.forceLeave(B, false, 1));
    hear(1, new Suspect(B, 1, ME));
    assertEquals(SwimMembership.ForceLeave.ALIVE, swim.forceLeave(B, false, 2));
    assertEquals(MemberState.SUSPECT, stateOfB(), "a refused force-leave changes nothing");
    assertEquals(SwimMembership.ForceLeave.UNKNOWN, swim.forceLeave("nobody.dc9", false, 3));
    assertEquals(SwimMembership.ForceLeave.UNKNOWN, swim.forceLeave("nobody.dc9", true, 3));
    assertEquals(SwimMembership.ForceLeave.SELF, swim.forceLeave(ME, true, 3));
    assertEquals(SwimMembership.ForceLeave.PRUNED, swim.forceLeave(B, true, 4));
    assertTrue(swim.member(B).isEmpty());
    assertEquals(new MembershipEvent.Pruned(new Member(B, "dc2", "10.0.0.2:8300", Map.of("role", "server"), 1,
        MemberState.SUSPECT, 1)), events.get(events.size() - 1));
    assertTrue(nextPiggyback().contains(new Dead(B, 1, B, true)), "the prune is broadcast");
  }

  @Test
  void aHeardPruneForgetsTheMemberAndAnAliveOneComesBackByAnnouncingItself() {
    hear(0, aliveB(3));
    hear(1, new Dead(B, 2, B, true));
    assertEquals(MemberState.ALIVE, stateOfB(), "a stale prune is ignored");
    hear(2, new Dead(B, 3, B, true));
    assertTrue(swim.member(B).isEmpty());
    hear(3, new Dead(B, 3, B, true));
    assertEquals(1, events.stream().filter(e -> e instanceof MembershipEvent.Pruned).count(),
        "a prune of a member not known is ignored, not passed on again");
    hear(4, aliveB(4));
    assertEquals(MemberState.ALIVE, stateOfB());
    assertTrue(events.get(events.size() - 1) instanceof MembershipEvent.Joined);
  }

  @Test
  void aRunningMemberRefutesItsForcedLeaveOrPrune() {
    hear(0, new Dead(ME, 0, ME));
    assertEquals(1, swim.self().incarnation());
    assertEquals(MemberState.ALIVE, swim.self().state());
    hear(1, new Dead(ME, 1, ME, true));
    assertEquals(2, swim.self().incarnation());
    assertEquals(MemberState.ALIVE, swim.self().state());
    assertTrue(nextPiggyback().contains(new Alive(ME, 2, "10.0.0.1:8300", Map.of())));
  }

  @Test
  void deadMemberComesBackOnlyWithAHigherIncarnation() {
    hear(0, aliveB(5), new Dead(B, 5, ME));
    hear(1, aliveB(5));
    assertEquals(MemberState.DEAD, stateOfB());
    hear(2, aliveB(6));
    assertEquals(MemberState.ALIVE, stateOfB());
    assertTrue(events.get(events.size() - 1) instanceof MembershipEvent.Recovered);
  }

  @Test
  void selfDeclaredDeadIsALeaveAndARejoinIsAJoin() {
    hear(0, aliveB(1), new Dead(B, 2, B));
    assertEquals(MemberState.LEFT, stateOfB());
    assertTrue(events.get(events.size() - 1) instanceof MembershipEvent.Left);
    hear(1, aliveB(3));
    assertTrue(events.get(events.size() - 1) instanceof MembershipEvent.Joined);
  }

  @Test
  void changedTagsAreAnUpdate() {
    hear(0, aliveB(1), new Alive(B, 2, "10.0.0.2:8300", Map.of("role", "server", "version", "2")));
    assertTrue(events.get(events.size() - 1) instanceof MembershipEvent.Updated);
  }

  @Test
  void suspectedMemberRefutesWithAHigherIncarnation() {
    hear(0, new Suspect(ME, 0, B));
    assertEquals(1, swim.self().incarnation());
    assertEquals(MemberState.ALIVE, swim.self().state());
    assertTrue(nextPiggyback().contains(new Alive(ME, 1, "10.0.0.1:8300", Map.of())));
  }

  @Test
  void memberDeclaredDeadRefutesAboveTheAccusation() {
    hear(0, new Dead(ME, 4, B));
    assertEquals(5, swim.self().incarnation());
    assertEquals(MemberState.ALIVE, swim.self().state());
  }

  @Test
  void staleAccusationsAreIgnored() {
    hear(0, new Suspect(ME, 0, B));
    hear(1, new Suspect(ME, 0, B), new Dead(ME, 0, B));
    assertEquals(1, swim.self().incarnation());
  }

  @Test
  void memberThatLeftDoesNotRefute() {
    swim.leave(0);
    assertEquals(MemberState.LEFT, swim.self().state());
    assertEquals(1, swim.self().incarnation());
    hear(1, new Dead(ME, 1, B), new Suspect(ME, 1, B));
    assertEquals(MemberState.LEFT, swim.self().state());
    assertTrue(nextPiggyback().contains(new Dead(ME, 1, ME)), "the leave is broadcast");
  }

  @Test
  void fullStateSayingDeadOnlySuspectsAndMakesTheSubjectRefute() {
    hear(0, aliveB(2));
    Member meDead = new Member(ME, "dc1", "10.0.0.1:8300", Map.of(), 3, MemberState.DEAD, 0);
    Member bDead = new Member(B, "dc2", "10.0.0.2:8300", Map.of("role", "server"), 2, MemberState.DEAD, 0);
    SwimMessage.PushPull answer = swim.answerStateExchange(B, new SwimMessage.PushPull(List.of(meDead, bDead)), 1);
    assertEquals(MemberState.SUSPECT, stateOfB());
    Member meInAnswer = answer.members().stream().filter(m -> m.name().equals(ME)).findFirst().orElseThrow();
    assertEquals(4, meInAnswer.incarnation(), "the answer carries the refutation");
  }

  @Test
  void unansweredProbeGoesIndirectThenSuspects() {
    hear(0, aliveB(1), new Alive("c.dc2", 0, "10.0.0.3:8300", Map.of()));
    Pinged first = tickUntilPing();
    SwimMessage.Ping ping = first.ping();
    long t = first.at();
    String target = ping.target();
    String helper = target.equals(B) ? "c.dc2" : B;
    swim.tick(t + S.probeTimeout().toMillis());
    assertTrue(sent.contains(new Sent(helper, new SwimMessage.PingReq(ping.seq(), target))));
    swim.tick(t + S.probeInterval().toMillis());
    assertEquals(MemberState.SUSPECT, swim.member(target).orElseThrow().state());
  }

  @Test
  void aPingToASuspectCarriesItsSuspicion() {
    hear(0, aliveB(1), new Suspect(B, 1, "c.dc2"));
    assertEquals(MemberState.SUSPECT, stateOfB());
    SwimMessage.Ping ping = tickUntilPing().ping();
    assertEquals(B, ping.target());
    assertTrue(ping.piggyback().contains(new Suspect(B, 1, ME)), "the ping tells B it is suspected: " + ping);
  }

  @Test
  void aStaleSuspicionOfThisMemberIsAnsweredWithItsCurrentAlive() {
    hear(0, aliveB(1), new Suspect(ME, 0, B));
    Alive refutation = new Alive(ME, 1, "10.0.0.1:8300", Map.of());
    assertTrue(sent.contains(new Sent(B, new SwimMessage.Gossip(List.of(refutation)))));
    sent.clear();
    // B never got it, and its next probe repeats the suspicion of incarnation 0
    swim.receive(B, new SwimMessage.Ping(5, ME, List.of(new Suspect(ME, 0, B))), 100);
    assertTrue(sent.contains(new Sent(B, new SwimMessage.Gossip(List.of(refutation)))),
        "the same alive again, no new incarnation: " + sent);
    assertEquals(1, swim.self().incarnation());
  }

  @Test
  void pingForAnotherMemberIsNotAnswered() {
    swim.receive(B, new SwimMessage.Ping(1, "someone-else.dc1", List.of()), 0);
    assertEquals(List.of(), sent);
  }

  @Test
  void indirectProbeIsRelayed() {
    swim.receive(B, new SwimMessage.PingReq(42, "c.dc3"), 0);
    SwimMessage.Ping relayed = (SwimMessage.Ping) sent.get(0).message();
    assertEquals("c.dc3", sent.get(0).to());
    swim.receive("c.dc3", new SwimMessage.Ack(relayed.seq(), List.of()), 1);
    Sent back = sent.get(1);
    assertEquals(B, back.to());
    assertEquals(42, ((SwimMessage.Ack) back.message()).seq());
  }

  @Test
  void retransmissionIsBoundedByTheLimit() {
    hear(0, aliveB(1));
    int transmissions = 0;
    for (int i = 0; i < 50; i++) {
      if (nextPiggyback().contains(aliveB(1))) {
        transmissions++;
      }
    }
    assertEquals(S.retransmitLimit(2), transmissions);
  }
}
