package io.meshfed.actors.wan.swim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfed.actors.wan.swim.SimNetwork.Node;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

/**
 * SWIM members on {@link SimNetwork}. jqwik prints the failing seed; the
 * assertion messages carry it too, to replay with an {@code @Example}. Shrinking is off: a smaller
 * seed is not a simpler run, and each run costs up to a few seconds. The generator seed is fixed, so
 * every build runs the same samples; {@link SwimExploreTest} explores random ones on request.
 */
class SwimSimulationTest {
  private static final SwimSettings S = SimNetwork.SETTINGS;
  private static final long JOIN_SPREAD_MS = 5_000;

  // --- 1. join and leave reach every member ---

  @Property(tries = 8, seed = "20261126", shrinking = ShrinkingMode.OFF)
  void joinAndLeaveReachEveryone(@ForAll long seed, @ForAll @IntRange(min = 2, max = 60) int members,
      @ForAll @IntRange(min = 1, max = 10) int dcs) {
    checkJoinAndLeave(seed, members, dcs);
  }

  @Example
  void joinAndLeaveOf100MembersIn10Dcs() {
    checkJoinAndLeave(100_001L, 100, 10);
  }

  static void checkJoinAndLeave(long seed, int members, int dcs) {
    SimNetwork net = new SimNetwork(seed);
    formFederation(net, members, dcs);
    List<Node> all = net.nodes();
    Node leaver = all.get(new SplittableRandom(seed).nextInt(all.size()));
    leaver.swim.leave(net.now());
    long leftAt = net.now();
    // the leaver keeps gossiping for a few intervals, then stops, as the owner is told to do
    net.runUntil(leftAt + 5 * S.gossipInterval().toMillis());
    net.stop(leaver);
    long bound = leftAt + S.disseminationBound(members).toMillis();
    boolean spread = net.runUntil(() -> net.running().stream()
        .allMatch(n -> SimNetwork.stateOf(n, leaver) == MemberState.LEFT), bound);
    assertTrue(spread, () -> "seed " + seed + ": the leave of " + leaver.name() + " did not reach everyone by "
        + bound + " ms; " + firstDisagreeing(net, leaver, MemberState.LEFT));
  }

  // --- 2. a silent member is declared dead by all within the bound ---

  @Property(tries = 6, seed = "20261126", shrinking = ShrinkingMode.OFF)
  void killedMemberIsDeclaredDeadByAll(@ForAll long seed, @ForAll @IntRange(min = 3, max = 60) int members,
      @ForAll @IntRange(min = 1, max = 10) int dcs) {
    checkKill(seed, members, dcs);
  }

  @Example
  void killedMemberOf100In10DcsIsDeclaredDead() {
    checkKill(200_002L, 100, 10);
  }

  static void checkKill(long seed, int members, int dcs) {
    SimNetwork net = new SimNetwork(seed);
    formFederation(net, members, dcs);
    List<Node> all = net.nodes();
    Node victim = all.get(new SplittableRandom(seed).nextInt(all.size()));
    net.stop(victim);
    long killedAt = net.now();
    long bound = killedAt + S.deadDetectionBound(members).toMillis();
    boolean detected = net.runUntil(() -> net.running().stream()
        .allMatch(n -> SimNetwork.stateOf(n, victim) == MemberState.DEAD), bound);
    assertTrue(detected, () -> "seed " + seed + ": " + victim.name() + " not declared dead by all within "
        + S.deadDetectionBound(members) + "; " + firstDisagreeing(net, victim, MemberState.DEAD));
  }

  // --- 3. 10% packet loss never kills a live member ---

  @Property(tries = 4, seed = "20261126", shrinking = ShrinkingMode.OFF)
  void packetLossDoesNotKillLiveMembers(@ForAll long seed, @ForAll @IntRange(min = 5, max = 100) int members,
      @ForAll @IntRange(min = 1, max = 10) int dcs) {
    checkLoss(seed, members, dcs);
  }

  @Example
  void packetLossWith100MembersIn10Dcs() {
    checkLoss(300_003L, 100, 10);
  }

  static void checkLoss(long seed, int members, int dcs) {
    SimNetwork net = new SimNetwork(seed);
    net.lossRate(0.10);
    formFederation(net, members, dcs);
    net.runUntil(net.now() + 180_000);
    for (Node n : net.nodes()) {
      List<MembershipEvent> failures = n.events.stream()
          .filter(e -> e instanceof MembershipEvent.Failed).toList();
      assertEquals(List.of(), failures, "seed " + seed + ": " + n.name() + " declared live members dead");
    }
  }

  // --- 4. a partitioned DC is marked failed, and alive again after the heal ---

  @Property(tries = 4, seed = "20261126", shrinking = ShrinkingMode.OFF)
  void partitionedDcFailsAndRecovers(@ForAll long seed, @ForAll @IntRange(min = 6, max = 50) int members,
      @ForAll @IntRange(min = 2, max = 10) int dcs) {
    checkPartition(seed, members, dcs);
  }

  @Example
  void partitionOfOneDcAmong10With100Members() {
    checkPartition(400_004L, 100, 10);
  }

  static void checkPartition(long seed, int members, int dcs) {
    SimNetwork net = new SimNetwork(seed);
    formFederation(net, members, dcs);
    String cut = "dc" + (1 + new SplittableRandom(seed).nextInt(dcs - 1));
    List<Node> inside = net.nodes().stream().filter(n -> n.dc.equals(cut)).toList();
    List<Node> outside = net.nodes().stream().filter(n -> !n.dc.equals(cut)).toList();
    net.partition(cut);
    long failBound = net.now() + S.deadDetectionBound(members).toMillis();
    boolean failed = net.runUntil(() -> outside.stream().allMatch(o -> inside.stream()
        .allMatch(i -> SimNetwork.stateOf(o, i) == MemberState.DEAD)), failBound);
    assertTrue(failed, () -> "seed " + seed + ": " + cut + " not marked failed by all others within "
        + S.deadDetectionBound(members) + "; " + net.describe(outside.get(0)));
    net.heal();
    long healBound = net.now() + healBound(members);
    boolean recovered = net.runUntil(() -> net.nodes().stream().allMatch(o -> net.nodes().stream()
        .allMatch(i -> SimNetwork.stateOf(o, i) == MemberState.ALIVE)), healBound);
    assertTrue(recovered, () -> "seed " + seed + ": not all alive " + healBound(members) + " ms after the heal; "
        + firstDisagreeing(net, null, MemberState.ALIVE));
  }

  // --- 5. a new DC that others cannot reach at first is not declared dead, nor declares them ---

  @Property(tries = 10, seed = "20261126", shrinking = ShrinkingMode.OFF)
  void aDcReachableOnlyOutwardsAtFirstIsNotDeclaredDead(@ForAll long seed,
      @ForAll @IntRange(min = 2, max = 6) int members, @ForAll @IntRange(min = 1, max = 3) int dcs) {
    checkOneWayStart(seed, members, dcs);
  }

  /**
   * A DC's server joins the WAN before the others' gateways can route to it: until its federation
   * state reaches them, what it sends arrives and what they send is lost. Both sides suspect each
   * other, and the gossip and refutations about it run out before the route exists. The window ends
   * two probe intervals before the shortest suspicion would: the suspect learns of its suspicion
   * from the next probe of it (Lifeguard's buddy system), and a member whose refutation was lost is
   * told of the stale suspicion by its accuser's next probe and repeats its alive. Without either,
   * a live member is declared dead (both seen with this window); a member unreachable for longer
   * than a suspicion is rightly declared dead.
   */
  static void checkOneWayStart(long seed, int members, int dcs) {
    SimNetwork net = new SimNetwork(seed);
    formFederation(net, members, dcs);
    Node late = net.start("late-0", "dc-late");
    net.unreachable("dc-late");
    late.swim.join(List.of(SwimMembership.anyServerOf("dc0")));
    long window = S.suspicionTimeout(members + 1).minus(S.probeInterval().multipliedBy(2)).toMillis();
    net.runUntil(net.now() + window);
    net.heal();
    long bound = net.now() + 2 * S.disseminationBound(members + 1).toMillis();
    boolean alive = net.runUntil(() -> net.nodes().stream().allMatch(o -> net.nodes().stream()
        .allMatch(i -> SimNetwork.stateOf(o, i) == MemberState.ALIVE)), bound);
    assertTrue(alive, () -> "seed " + seed + ": not all alive " + bound + " ms after the route to "
        + late.name() + " opened; " + firstDisagreeing(net, null, MemberState.ALIVE));
    net.runUntil(net.now() + S.suspicionTimeout(members + 1).toMillis() * S.suspicionMaxTimeoutMult());
    for (Node n : net.nodes()) {
      List<MembershipEvent> failures = n.events.stream().filter(e -> e instanceof MembershipEvent.Failed).toList();
      assertEquals(List.of(), failures, "seed " + seed + ": " + n.name() + " declared a live member dead");
    }
  }

  // --- 6. force-leave of a failed member reaches everyone; a prune makes everyone forget it ---

  @Property(tries = 6, seed = "20261203", shrinking = ShrinkingMode.OFF)
  void forceLeaveAndPruneReachEveryone(@ForAll long seed, @ForAll @IntRange(min = 3, max = 60) int members,
      @ForAll @IntRange(min = 1, max = 10) int dcs) {
    checkForceLeave(seed, members, dcs);
  }

  @Example
  void forceLeaveAndPruneOf100MembersIn10Dcs() {
    checkForceLeave(600_006L, 100, 10);
  }

  /**
   * A crashed member, once failed everywhere, is force-left by one member: everyone sees it left
   * within the dissemination bound (gossip, then push/pull for whoever the gossip missed). A prune
   * from another member then makes everyone forget it within the same bound. A pruned member that
   * runs comes back: it refutes, or its push/pull announces it again.
   */
  static void checkForceLeave(long seed, int members, int dcs) {
    SimNetwork net = new SimNetwork(seed);
    formFederation(net, members, dcs);
    SplittableRandom random = new SplittableRandom(seed);
    List<Node> all = net.nodes();
    Node victim = all.get(random.nextInt(all.size()));
    net.stop(victim);
    long failBound = net.now() + S.deadDetectionBound(members).toMillis();
    assertTrue(net.runUntil(() -> net.running().stream()
        .allMatch(n -> SimNetwork.stateOf(n, victim) == MemberState.DEAD), failBound),
        () -> "seed " + seed + ": " + victim.name() + " not failed everywhere; "
            + firstDisagreeing(net, victim, MemberState.DEAD));
    List<Node> running = net.running();
    Node operator = running.get(random.nextInt(running.size()));
    assertEquals(SwimMembership.ForceLeave.LEFT, operator.swim.forceLeave(victim.name(), false, net.now()));
    long leaveBound = net.now() + S.disseminationBound(members).toMillis();
    assertTrue(net.runUntil(() -> net.running().stream()
        .allMatch(n -> SimNetwork.stateOf(n, victim) == MemberState.LEFT), leaveBound),
        () -> "seed " + seed + ": the force-leave of " + victim.name() + " by " + operator.name()
            + " did not reach everyone by " + leaveBound + " ms; " + firstDisagreeing(net, victim, MemberState.LEFT));
    Node pruner = running.get(random.nextInt(running.size()));
    assertEquals(SwimMembership.ForceLeave.PRUNED, pruner.swim.forceLeave(victim.name(), true, net.now()));
    long pruneBound = net.now() + S.disseminationBound(members).toMillis();
    assertTrue(net.runUntil(() -> net.running().stream()
        .allMatch(n -> n.swim.member(victim.name()).isEmpty()), pruneBound),
        () -> "seed " + seed + ": the prune of " + victim.name() + " by " + pruner.name()
            + " did not reach everyone by " + pruneBound + " ms; " + firstDisagreeing(net, victim, null));
    if (running.size() < 2) {
      return;
    }
    Node alive = running.stream().filter(n -> n != pruner).findFirst().orElseThrow();
    assertEquals(SwimMembership.ForceLeave.ALIVE, pruner.swim.forceLeave(alive.name(), false, net.now()));
    assertEquals(SwimMembership.ForceLeave.PRUNED, pruner.swim.forceLeave(alive.name(), true, net.now()));
    long backBound = net.now() + 2 * S.disseminationBound(members).toMillis();
    assertTrue(net.runUntil(() -> net.running().stream()
        .allMatch(n -> SimNetwork.stateOf(n, alive) == MemberState.ALIVE), backBound),
        () -> "seed " + seed + ": " + alive.name() + ", pruned while running, not alive everywhere again by "
            + backBound + " ms; " + firstDisagreeing(net, alive, MemberState.ALIVE));
  }

  /**
   * After a heal: within a reconnect interval someone push/pulls across (both sides refute), the news
   * spreads (dissemination bound), and members the gossip missed catch up by push/pull (one more).
   */
  private static long healBound(int members) {
    return S.reconnectInterval().toMillis() + 2 * S.disseminationBound(members).toMillis();
  }

  // --- helpers ---

  /**
   * dc0 is the primary: its first server starts alone (the primary never joins down); every other
   * server starts within {@link #JOIN_SPREAD_MS} and joins "any server of dc0". Asserts that everyone
   * sees everyone alive within the join bound: the last start plus twice the dissemination bound (the
   * joiner's alive spreads by gossip; a member that started after the news passed it catches up by
   * push/pull).
   */
  private static void formFederation(SimNetwork net, int members, int dcs) {
    SplittableRandom random = new SplittableRandom(net.seed ^ 0x5eed);
    net.start("server-0", "dc0");
    long[] startAt = new long[members];
    for (int i = 1; i < members; i++) {
      startAt[i] = 1 + random.nextLong(JOIN_SPREAD_MS);
    }
    java.util.Arrays.sort(startAt, 1, members);
    for (int i = 1; i < members; i++) {
      net.runUntil(startAt[i]);
      Node n = net.start("server-" + i, "dc" + i % dcs);
      n.swim.join(List.of(SwimMembership.anyServerOf("dc0")));
    }
    long bound = net.now() + 2 * S.disseminationBound(members).toMillis();
    boolean joined = net.runUntil(() -> net.nodes().stream().allMatch(o -> o.swim.members().size() == members
        && o.swim.members().stream().allMatch(m -> m.state() == MemberState.ALIVE)), bound);
    assertTrue(joined, () -> "seed " + net.seed + ": " + members + " members in " + dcs
        + " DCs did not all see each other alive by " + bound + " ms; " + net.describe(net.nodes().get(members - 1)));
  }

  private static String firstDisagreeing(SimNetwork net, Node subject, MemberState expected) {
    for (Node n : net.running()) {
      for (Node s : subject == null ? net.nodes() : List.of(subject)) {
        if (SimNetwork.stateOf(n, s) != expected) {
          return "first disagreement: " + net.describe(n);
        }
      }
    }
    return "all agree now";
  }
}
