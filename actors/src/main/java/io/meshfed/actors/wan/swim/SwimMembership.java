package io.meshfed.actors.wan.swim;

import io.meshfed.actors.wan.swim.MemberUpdate.Alive;
import io.meshfed.actors.wan.swim.MemberUpdate.Dead;
import io.meshfed.actors.wan.swim.MemberUpdate.Suspect;
import io.meshfed.actors.wan.swim.SwimMessage.Ack;
import io.meshfed.actors.wan.swim.SwimMessage.Gossip;
import io.meshfed.actors.wan.swim.SwimMessage.Ping;
import io.meshfed.actors.wan.swim.SwimMessage.PingReq;
import io.meshfed.actors.wan.swim.SwimMessage.PushPull;
import io.meshfed.protocol.names.Names;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAN membership of one server: a deterministic SWIM state machine with memberlist's semantics,
 * including Lifeguard's suspicion timers ({@link Suspicion}). It owns no thread, timer or socket; the owner
 * (an actor, or the simulation) calls {@link #tick} at least every {@code min(probeTimeout, gossipInterval) /
 * 2}, hands every received message to {@link #receive} (or {@link #answerStateExchange} for an incoming
 * stream), and gets messages out through the {@link Outbox} and changes through the {@link
 * MembershipListener}. Times are milliseconds of any monotonic clock; all randomness comes from the injected
 * generator, so a seed replays a run exactly. Not thread-safe: one caller at a time.
 *
 * <p>Incarnation rules (only a member raises its own incarnation):
 * <ul>
 *   <li>alive(i) applies if i is higher than the known incarnation (it clears a suspicion);
 *   <li>suspect(i) applies to an alive member if i ≥ the known incarnation;
 *   <li>dead(i) applies to an alive or suspect member if i ≥ the known incarnation;
 *   <li>a leave (dead from the member itself) with i ≥ the known incarnation also turns a failed
 *       member into a left one, as Serf's leave intent does: it is how an operator's force-leave
 *       spreads, by gossip and by full-state exchanges, and a failed member cannot refute it;
 *   <li>a leave that prunes makes every member that hears it forget the member at once;
 *   <li>a member suspected or declared dead (by gossip or another's full state) refutes with
 *       incarnation max(i, own) + 1 and broadcasts alive; a member that left does not.
 * </ul>
 */
public final class SwimMembership {
  /** Suspicions and refutations: the early signs of a flaky route, which no event reports. */
  private static final Logger LOG = LoggerFactory.getLogger(SwimMembership.class);

  private static final String ANY_SERVER_PREFIX = "*.";

  private final SwimSettings settings;
  private final RandomGenerator random;
  private final Outbox outbox;
  private final MembershipListener listener;
  private final String selfName;
  // sorted so that members() and random picks are reproducible for a given seed
  private final Map<String, Member> members = new TreeMap<>();
  private final Map<String, Suspicion> suspicions = new HashMap<>();
  private final Map<Long, Relay> relays = new HashMap<>();
  private final BroadcastQueue broadcasts = new BroadcastQueue();
  private final List<String> probeOrder = new ArrayList<>();
  private int probeIndex;
  private Probe probe;
  private long nextSeq;
  private long nextProbeAt;
  private long nextGossipAt;
  private long nextPushPullAt;
  private long nextReconnectAt;
  private ProbeObserver probeObserver = (datacenter, millis, indirect) -> { };
  private RefusalObserver refusals = RefusalObserver.NONE;

  /** Told of every answered probe: for the probe round-trip histogram. */
  @FunctionalInterface
  public interface ProbeObserver {
    /**
     * @param datacenter the probed member's DC
     * @param millis from the ping to the first ack, in the membership's clock
     * @param indirect whether the direct ping had timed out, so the ack may have come through others
     */
    void answered(String datacenter, long millis, boolean indirect);
  }

  /**
   * Told of every refusal over protocol versions ({@link WanVersions}): the member is not listed, or
   * was removed from the list when it announced versions this server does not speak.
   */
  public interface RefusalObserver {
    RefusalObserver NONE = new RefusalObserver() {
      @Override
      public void refused(String member, String address, String reason) {}

      @Override
      public void refusedBy(String peer, String reason) {}
    };

    /** This server will not list {@code member}; {@code reason} is one line. */
    void refused(String member, String address, String reason);

    /** {@code peer} answered a state exchange with a refusal of this server. */
    void refusedBy(String peer, String reason);
  }

  /** Starts alone, as alive with incarnation 0; {@link #join} to meet the others. */
  public SwimMembership(String node, String datacenter, String address, Map<String, String> tags,
      SwimSettings settings, RandomGenerator random, Outbox outbox, MembershipListener listener,
      long now) {
    Names.nodeNameError(node).ifPresent(e -> { throw new IllegalArgumentException(e); });
    Names.datacenterError(datacenter).ifPresent(e -> { throw new IllegalArgumentException(e); });
    this.settings = settings;
    this.random = random;
    this.outbox = outbox;
    this.listener = listener;
    this.selfName = Names.wanMemberName(node, datacenter);
    members.put(selfName, new Member(selfName, datacenter, address, tags, 0, MemberState.ALIVE, now));
    // spread the periodic work of many members over the interval instead of in lock-step
    nextProbeAt = now + randomUpTo(settings.probeInterval().toMillis());
    nextGossipAt = now + randomUpTo(settings.gossipInterval().toMillis());
    nextPushPullAt = now + randomUpTo(settings.pushPullInterval().toMillis());
    nextReconnectAt = now + randomUpTo(settings.reconnectInterval().toMillis());
  }

  /** Sets who is told of refusals over protocol versions (by default nobody). */
  public void observeRefusals(RefusalObserver observer) {
    refusals = observer;
  }

  /** Sets who is told of answered probes (by default nobody). */
  public void observeProbes(ProbeObserver observer) {
    probeObserver = observer;
  }

  /** The join placeholder for "any server of {@code dc}" ({@code *.<primary>} joins the primary). */
  public static String anyServerOf(String datacenter) {
    return ANY_SERVER_PREFIX + datacenter;
  }

  /** The DC a join placeholder stands for, empty for a member name. */
  public static Optional<String> anyServerDatacenter(String target) {
    return target.startsWith(ANY_SERVER_PREFIX)
        ? Optional.of(target.substring(ANY_SERVER_PREFIX.length())) : Optional.empty();
  }

  public String name() {
    return selfName;
  }

  public Member self() {
    return members.get(selfName);
  }

  public List<Member> members() {
    return List.copyOf(members.values());
  }

  public Optional<Member> member(String name) {
    return Optional.ofNullable(members.get(name));
  }

  /**
   * Exchanges full state with each seed: member names or {@link #anyServerOf} placeholders. Retrying
   * a failed join ({@code retry-interval-wan}) is the owner's job: it sees the stream fail.
   */
  public void join(Collection<String> seeds) {
    for (String seed : seeds) {
      if (!seed.equals(selfName)) {
        outbox.exchangeState(seed, localState());
      }
    }
  }

  /**
   * Leaves gracefully: declares itself dead (= left) with a higher incarnation. The owner should keep
   * ticking and receiving for a few gossip intervals, so the news spreads, and then stop.
   */
  public void leave(long now) {
    Member self = self();
    if (self.state() == MemberState.LEFT) {
      return;
    }
    Member left = self.withState(MemberState.LEFT, self.incarnation() + 1, now);
    members.put(selfName, left);
    broadcasts.enqueue(new Dead(selfName, left.incarnation(), selfName));
    probe = null;
  }

  /** What {@link #forceLeave} did, or why it did nothing. */
  public enum ForceLeave {
    /** The failed member is left now; the leave spreads by gossip and full-state exchanges. */
    LEFT,
    /** It had left already: nothing to do. */
    ALREADY_LEFT,
    /** Forgotten here, and the prune is gossiped. */
    PRUNED,
    /** No member of that name. */
    UNKNOWN,
    /** The member is alive (or only suspected): it would refute a leave, so only a prune is done. */
    ALIVE,
    /** This member itself: a server leaves by stopping. */
    SELF
  }

  /**
   * Serf's force-leave: an operator declares a failed member left, so that it stops counting as a
   * server that may come back, without waiting the reconnect timeout. The leave is broadcast under
   * the member's own name at its known incarnation, so every member that knows it failed applies it
   * (and passes it on in full-state exchanges as left). With {@code prune} the member is also
   * forgotten at once, here and wherever the gossip reaches, alive or not: an alive member that
   * keeps running hears the prune, refutes it with a higher incarnation and is listed again.
   */
  public ForceLeave forceLeave(String name, boolean prune, long now) {
    if (name.equals(selfName)) {
      return ForceLeave.SELF;
    }
    Member known = members.get(name);
    if (known == null) {
      return ForceLeave.UNKNOWN;
    }
    if (!prune) {
      switch (known.state()) {
        case ALIVE, SUSPECT -> {
          return ForceLeave.ALIVE;
        }
        case LEFT -> {
          return ForceLeave.ALREADY_LEFT;
        }
        case DEAD -> {
          onDead(new Dead(name, known.incarnation(), name), now);
          return ForceLeave.LEFT;
        }
      }
    }
    Dead pruned = new Dead(name, known.incarnation(), name, true);
    prune(known, pruned);
    return ForceLeave.PRUNED;
  }

  /** Publishes new tags (a version upgrade, a feature flag) under a new incarnation. */
  public void updateTags(Map<String, String> tags, long now) {
    Member self = self();
    Alive alive = new Alive(selfName, self.incarnation() + 1, self.address(), tags);
    members.put(selfName, self.withAlive(alive, now));
    broadcasts.enqueue(alive);
  }

  public void tick(long now) {
    expireSuspicions(now);
    relays.values().removeIf(r -> r.expiresAt <= now);
    if (now >= nextGossipAt) {
      nextGossipAt = now + settings.gossipInterval().toMillis();
      gossip(now);
    }
    if (leaving()) {
      return; // a leaving member only spreads its leave
    }
    probe(now);
    if (now >= nextPushPullAt) {
      nextPushPullAt = now + settings.pushPullInterval(liveCount()).toMillis();
      randomMember(m -> m.state() == MemberState.ALIVE)
          .ifPresent(m -> outbox.exchangeState(m.name(), localState()));
    }
    if (now >= nextReconnectAt) {
      nextReconnectAt = now + settings.reconnectInterval().toMillis();
      reap(now);
      reconnect();
    }
  }

  /** Handles a packet, or the peer's answer to {@link Outbox#exchangeState}. */
  public void receive(String from, SwimMessage message, long now) {
    if (message instanceof Ping ping) {
      applyAll(ping.piggyback(), now);
      if (ping.target().equals(selfName)) {
        outbox.sendPacket(from, new Ack(ping.seq(), piggyback()));
      }
    } else if (message instanceof PingReq req) {
      long seq = nextSeq++;
      relays.put(seq, new Relay(from, req.seq(), now + settings.probeTimeout().toMillis()));
      outbox.sendPacket(req.target(), new Ping(seq, req.target(), piggyback()));
    } else if (message instanceof Ack ack) {
      applyAll(ack.piggyback(), now);
      if (probe != null && probe.seq == ack.seq() && !probe.acked) {
        probe.acked = true;
        Member target = members.get(probe.target);
        if (target != null) {
          probeObserver.answered(target.datacenter(), now - probe.startedAt, probe.indirectSent);
        }
      }
      Relay relay = relays.remove(ack.seq());
      if (relay != null) {
        outbox.sendPacket(relay.requester, new Ack(relay.seq, piggyback()));
      }
    } else if (message instanceof Gossip gossip) {
      applyAll(gossip.updates(), now);
    } else if (message instanceof PushPull state) {
      if (state.refused()) {
        refusals.refusedBy(from, state.refusal());
      } else if (!refusedSender(from, state)) {
        merge(state, now);
      }
    }
  }

  /**
   * Serves an incoming state exchange: merges the peer's state first, so the answer already carries
   * this member's refutation when the peer had declared it dead (a healed partition then converges
   * in one exchange instead of two).
   */
  public PushPull answerStateExchange(String from, PushPull remote, long now) {
    Optional<Member> sender = remote.members().stream().filter(m -> m.name().equals(from)).findFirst();
    Optional<String> refusal = sender.flatMap(this::refusal);
    if (refusal.isPresent()) {
      refusals.refused(from, sender.get().address(), refusal.get());
      return new PushPull(List.of(), refusal.get());
    }
    merge(remote, now);
    return localState();
  }

  /** Whether the sender of a state exchange's answer speaks no version this server does (then reported). */
  private boolean refusedSender(String from, PushPull remote) {
    for (Member m : remote.members()) {
      if (m.name().equals(from)) {
        Optional<String> refusal = refusal(m);
        refusal.ifPresent(r -> refusals.refused(from, m.address(), r));
        return refusal.isPresent();
      }
    }
    return false;
  }

  private Optional<String> refusal(Member peer) {
    return WanVersions.refusal(selfName, self().tags(), peer.name(), peer.tags());
  }

  // --- probing ---

  private void probe(long now) {
    if (probe != null && !probe.acked && !probe.indirectSent
        && now >= probe.startedAt + settings.probeTimeout().toMillis()) {
      probe.indirectSent = true;
      String target = probe.target;
      for (Member helper : randomMembers(settings.indirectChecks(),
          m -> m.state() == MemberState.ALIVE && !m.name().equals(target))) {
        outbox.sendPacket(helper.name(), new PingReq(probe.seq, target));
      }
    }
    if (now < nextProbeAt) {
      return;
    }
    nextProbeAt = now + settings.probeInterval().toMillis();
    if (probe != null && !probe.acked) {
      Member target = members.get(probe.target);
      if (target != null && !target.state().isGone()) {
        if (target.state() == MemberState.ALIVE) {
          LOG.info("WAN member {} did not answer a probe within {} ms, directly or through others: suspecting it",
              target.name(), settings.probeInterval().toMillis());
        }
        Suspect suspect = new Suspect(target.name(), target.incarnation(), selfName);
        // for a member already suspected this is an independent confirmation (Lifeguard)
        onSuspect(suspect, now);
        if (target.state() == MemberState.ALIVE) {
          // Told directly as well: gossip alone can miss the one member that must refute, and then
          // a live member is declared dead (seen in the simulation at 10% loss).
          outbox.sendPacket(target.name(), new Gossip(List.of(suspect)));
        }
      }
    }
    probe = null;
    nextProbeTarget().ifPresent(target -> {
      probe = new Probe(nextSeq++, target, now);
      outbox.sendPacket(target, new Ping(probe.seq, target, withSuspicionOf(target, piggyback())));
    });
  }

  /**
   * Lifeguard's buddy system (memberlist's probeNode): a ping to a suspect carries its suspicion, so
   * it can refute as soon as it is reachable, even after the gossip about it has run out. A new DC
   * needs this: others cannot reach it until its gateways are known to theirs, they suspect it
   * meanwhile, and the gossip saying so reaches everyone but the suspect.
   */
  private List<MemberUpdate> withSuspicionOf(String target, List<MemberUpdate> piggyback) {
    Member m = members.get(target);
    if (m == null || m.state() != MemberState.SUSPECT) {
      return piggyback;
    }
    List<MemberUpdate> updates = new ArrayList<>(piggyback.size() + 1);
    updates.add(new Suspect(m.name(), m.incarnation(), selfName));
    updates.addAll(piggyback);
    return updates;
  }

  /** Shuffled round-robin: every member is probed once per round, in a fresh random order. */
  private Optional<String> nextProbeTarget() {
    for (int attempt = 0; attempt < 2; attempt++) {
      while (probeIndex < probeOrder.size()) {
        Member m = members.get(probeOrder.get(probeIndex++));
        if (m != null && !m.state().isGone()) {
          return Optional.of(m.name());
        }
      }
      probeOrder.clear();
      members.values().stream().filter(m -> !m.name().equals(selfName) && !m.state().isGone())
          .forEach(m -> probeOrder.add(m.name()));
      shuffle(probeOrder);
      probeIndex = 0;
    }
    return Optional.empty();
  }

  private void expireSuspicions(long now) {
    Iterator<Map.Entry<String, Suspicion>> it = suspicions.entrySet().iterator();
    List<Dead> expired = new ArrayList<>();
    while (it.hasNext()) {
      Map.Entry<String, Suspicion> e = it.next();
      if (e.getValue().deadline() <= now) {
        it.remove();
        Member m = members.get(e.getKey());
        expired.add(new Dead(m.name(), m.incarnation(), selfName));
      }
    }
    expired.forEach(d -> onDead(d, now));
  }

  // --- dissemination ---

  private void gossip(long now) {
    if (broadcasts.isEmpty()) {
      return;
    }
    long deadWindow = settings.gossipToTheDeadTime().toMillis();
    // recently dead members get gossip too: it is how they learn they must refute
    for (Member target : randomMembers(settings.gossipNodes(),
        m -> !m.state().isGone() || now - m.stateChangedAt() < deadWindow)) {
      List<MemberUpdate> updates = piggyback();
      if (updates.isEmpty()) {
        return;
      }
      outbox.sendPacket(target.name(), new Gossip(updates));
    }
  }

  private List<MemberUpdate> piggyback() {
    return broadcasts.take(settings.packetBudgetBytes(), settings.retransmitLimit(liveCount()));
  }

  /**
   * Serf's reconnect: with probability failed/alive, push/pull with one random failed member. Without
   * it two sides of a long partition never probe or gossip to each other again.
   */
  private void reconnect() {
    List<Member> failed = members.values().stream().filter(m -> m.state() == MemberState.DEAD).toList();
    if (failed.isEmpty() || random.nextDouble() > (double) failed.size() / liveCount()) {
      return;
    }
    outbox.exchangeState(failed.get(random.nextInt(failed.size())).name(), localState());
  }

  /** Serf's reaper: forgets members failed past the reconnect timeout and left past the tombstone one. */
  private void reap(long now) {
    long failedFor = settings.reconnectTimeout().toMillis();
    long leftFor = settings.tombstoneTimeout().toMillis();
    List<Member> reaped = new ArrayList<>();
    for (Member m : members.values()) {
      long gone = now - m.stateChangedAt();
      if (m.state() == MemberState.DEAD && gone >= failedFor || m.state() == MemberState.LEFT && gone >= leftFor) {
        reaped.add(m);
      }
    }
    for (Member m : reaped) {
      members.remove(m.name());
      listener.onEvent(new MembershipEvent.Reaped(m));
    }
  }

  private PushPull localState() {
    return new PushPull(List.copyOf(members.values()));
  }

  /** memberlist's mergeState: a remote "dead" is only a suspicion here, so that it can be refuted. */
  private void merge(PushPull remote, long now) {
    for (Member m : remote.members()) {
      switch (m.state()) {
        case ALIVE -> onAlive(new Alive(m.name(), m.incarnation(), m.address(), m.tags()), now);
        case LEFT -> onDead(new Dead(m.name(), m.incarnation(), m.name()), now);
        case SUSPECT, DEAD -> onSuspect(new Suspect(m.name(), m.incarnation(), selfName), now);
      }
    }
  }

  // --- the incarnation rules ---

  private void applyAll(List<MemberUpdate> updates, long now) {
    for (MemberUpdate update : updates) {
      if (update instanceof Alive alive) {
        onAlive(alive, now);
      } else if (update instanceof Suspect suspect) {
        onSuspect(suspect, now);
      } else if (update instanceof Dead dead) {
        onDead(dead, now);
      }
    }
  }

  private void onAlive(Alive alive, long now) {
    Member known = members.get(alive.name());
    if (alive.name().equals(selfName)) {
      // someone holds a newer or different version of us (we restarted): out-bid it
      if (!leaving() && (alive.incarnation() > known.incarnation()
          || alive.incarnation() == known.incarnation() && !known.sameIdentity(alive))) {
        refute(alive.incarnation(), selfName, now);
      }
      return;
    }
    if (known == null || alive.incarnation() > known.incarnation() && !known.tags().equals(alive.tags())) {
      Optional<String> refusal = WanVersions.refusal(selfName, self().tags(), alive.name(), alive.tags());
      if (refusal.isPresent()) {
        refusals.refused(alive.name(), alive.address(), refusal.get());
        if (known != null && !known.state().isGone()) {
          // it now speaks versions this server does not: no longer routed to, as if it had left; only
          // here, since others decide for themselves
          Member gone = known.withState(MemberState.LEFT, alive.incarnation(), now);
          members.put(gone.name(), gone);
          suspicions.remove(gone.name());
          listener.onEvent(new MembershipEvent.Left(gone));
        }
        return;
      }
    }
    if (known == null) {
      Optional<Names.WanMemberName> parsed = Names.parseWanMemberName(alive.name());
      if (parsed.isEmpty()) {
        return; // not a WAN member name; the codec rejects these, in-process callers might not
      }
      Member added = new Member(alive.name(), parsed.get().datacenter(), alive.address(), alive.tags(),
          alive.incarnation(), MemberState.ALIVE, now);
      members.put(added.name(), added);
      broadcasts.enqueue(alive);
      listener.onEvent(new MembershipEvent.Joined(added));
      return;
    }
    if (alive.incarnation() <= known.incarnation()) {
      return;
    }
    Member updated = known.withAlive(alive, now);
    members.put(updated.name(), updated);
    suspicions.remove(updated.name());
    broadcasts.enqueue(alive);
    switch (known.state()) {
      case DEAD -> listener.onEvent(new MembershipEvent.Recovered(updated));
      case LEFT -> listener.onEvent(new MembershipEvent.Joined(updated));
      case ALIVE, SUSPECT -> {
        if (!known.sameIdentity(alive)) {
          listener.onEvent(new MembershipEvent.Updated(updated));
        }
      }
    }
  }

  private void onSuspect(Suspect suspect, long now) {
    Member known = members.get(suspect.name());
    if (known == null) {
      return;
    }
    if (suspect.name().equals(selfName)) {
      if (leaving()) {
        return;
      }
      if (suspect.incarnation() < known.incarnation()) {
        remind(suspect.from());
      } else {
        refute(suspect.incarnation(), suspect.from(), now);
      }
      return;
    }
    if (suspect.incarnation() < known.incarnation()) {
      return;
    }
    if (known.state() != MemberState.ALIVE) {
      Suspicion running = suspicions.get(known.name());
      if (running != null && running.confirm(suspect.from())) {
        broadcasts.enqueue(suspect); // so that the others' timers shorten too
      }
      return;
    }
    members.put(known.name(), known.withState(MemberState.SUSPECT, suspect.incarnation(), now));
    int n = liveCount();
    long min = settings.suspicionTimeout(n).toMillis();
    suspicions.put(known.name(), new Suspicion(suspect.from(), now, min,
        min * settings.suspicionMaxTimeoutMult(), settings.expectedConfirmations(n)));
    broadcasts.enqueue(suspect);
  }

  private void onDead(Dead dead, long now) {
    Member known = members.get(dead.name());
    if (known == null || dead.incarnation() < known.incarnation()) {
      return;
    }
    if (dead.name().equals(selfName)) {
      if (!leaving()) {
        // a forced leave or prune of a member that runs: it comes back by saying so
        refute(dead.incarnation(), dead.from(), now);
      }
      return;
    }
    if (dead.prune()) {
      prune(known, dead);
      return;
    }
    // Gone stays gone, except that a leave turns a failure into a leave (force-leave).
    if (known.state() == MemberState.LEFT || known.state() == MemberState.DEAD && !dead.isLeave()) {
      return;
    }
    MemberState state = dead.isLeave() ? MemberState.LEFT : MemberState.DEAD;
    Member gone = known.withState(state, dead.incarnation(), now);
    members.put(gone.name(), gone);
    suspicions.remove(gone.name());
    broadcasts.enqueue(dead);
    listener.onEvent(state == MemberState.LEFT
        ? new MembershipEvent.Left(gone) : new MembershipEvent.Failed(gone));
  }

  /** Forgets {@code known} at once and passes the prune on, so that the others forget it too. */
  private void prune(Member known, Dead prune) {
    members.remove(known.name());
    suspicions.remove(known.name());
    broadcasts.enqueue(prune);
    listener.onEvent(new MembershipEvent.Pruned(known));
  }

  /** Broadcasts the refutation, and sends it straight to the accuser, whose suspicion timer runs. */
  private void refute(long accusedIncarnation, String accuser, long now) {
    if (accuser.equals(selfName)) {
      LOG.info("announcing this server with a higher incarnation: the WAN held an older version of it");
    } else {
      LOG.warn("refuting {}'s claim that this server is suspect or failed", accuser);
    }
    Member self = self();
    Alive alive = new Alive(selfName, Math.max(accusedIncarnation, self.incarnation()) + 1,
        self.address(), self.tags());
    members.put(selfName, self.withAlive(alive, now));
    broadcasts.enqueue(alive);
    if (!accuser.equals(selfName) && members.containsKey(accuser)) {
      outbox.sendPacket(accuser, new Gossip(List.of(alive)));
    }
  }

  /**
   * An accuser still suspects an incarnation this member already refuted: the refutation was lost,
   * typically while the accuser could send here but not be reached from here. Tells it again,
   * without a new incarnation; with the buddy system this ends the suspicion at the accuser's next
   * probe once it is reachable.
   */
  private void remind(String accuser) {
    if (!accuser.equals(selfName) && members.containsKey(accuser)) {
      Member self = self();
      outbox.sendPacket(accuser, new Gossip(List.of(new Alive(selfName, self.incarnation(), self.address(),
          self.tags()))));
    }
  }

  // --- helpers ---

  private boolean leaving() {
    return self().state() == MemberState.LEFT;
  }

  /** Members that are not gone, this one included: the n of memberlist's scaling formulas. */
  private int liveCount() {
    int n = 0;
    for (Member m : members.values()) {
      if (!m.state().isGone()) {
        n++;
      }
    }
    return n;
  }

  private Optional<Member> randomMember(Predicate<Member> eligible) {
    List<Member> picked = randomMembers(1, eligible);
    return picked.isEmpty() ? Optional.empty() : Optional.of(picked.get(0));
  }

  /** Up to {@code k} distinct random other members matching {@code eligible}. */
  private List<Member> randomMembers(int k, Predicate<Member> eligible) {
    List<Member> candidates = new ArrayList<>();
    for (Member m : members.values()) {
      if (!m.name().equals(selfName) && eligible.test(m)) {
        candidates.add(m);
      }
    }
    shuffle(candidates);
    return candidates.subList(0, Math.min(k, candidates.size()));
  }

  private <T> void shuffle(List<T> list) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }

  private long randomUpTo(long bound) {
    return random.nextLong(bound);
  }

  private static final class Probe {
    final long seq;
    final String target;
    final long startedAt;
    boolean acked;
    boolean indirectSent;

    Probe(long seq, String target, long startedAt) {
      this.seq = seq;
      this.target = target;
      this.startedAt = startedAt;
    }
  }

  /** An indirect probe done for {@code requester}, whose probe number was {@code seq}. */
  private record Relay(String requester, long seq, long expiresAt) {}
}
