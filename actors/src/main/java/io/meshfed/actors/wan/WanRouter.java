package io.meshfed.actors.wan;

import io.meshfed.actors.wan.swim.Member;
import io.meshfed.actors.wan.swim.MemberState;
import io.meshfed.actors.wan.swim.MembershipEvent;
import io.meshfed.actors.wan.swim.MembershipListener;
import io.meshfed.protocol.names.Names;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WAN membership as the rest of the server reads it: DC → alive servers for cross-DC routing,
 * and the member list for {@code /v1/agent/members?wan=1}. Fed by {@link WanMembership}'s
 * {@link MembershipEvent}s on the actor's thread, read from any thread (HTTP, RPC callers).
 * Suspicion is no event, so a suspect server stays routable until it is declared failed, as in Serf.
 */
public final class WanRouter implements MembershipListener {
  /** Serf's member statuses, as Consul's members API shows them. */
  public static final String ALIVE = "alive";
  public static final String FAILED = "failed";
  public static final String LEFT = "left";

  // sorted by name, so the members API lists them in a stable order
  private final Map<String, Member> members = new ConcurrentSkipListMap<>();
  private final Map<String, Map<String, Boolean>> aliveByDc = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> arrivals = new ConcurrentHashMap<>();

  /** Registers this server itself: SWIM reports no event for the local member. */
  public void self(Member self) {
    apply(self, true);
  }

  @Override
  public void onEvent(MembershipEvent event) {
    if (event instanceof MembershipEvent.Reaped reaped) {
      members.remove(reaped.member().name()); // only failed or left members are reaped: none is routable
      return;
    }
    if (event instanceof MembershipEvent.Pruned pruned) {
      // a prune may forget an alive member: no longer routed to until it announces itself again
      Member m = pruned.member();
      members.remove(m.name());
      Map<String, Boolean> nodes = aliveByDc.get(m.datacenter());
      if (nodes != null) {
        nodes.remove(Names.parseWanMemberName(m.name()).orElseThrow().node());
      }
      return;
    }
    boolean alive = event instanceof MembershipEvent.Joined || event instanceof MembershipEvent.Updated
        || event instanceof MembershipEvent.Recovered;
    apply(event.member(), alive);
  }

  /** The node names of {@code datacenter}'s alive servers (lower-case DC), empty when none is known. */
  public List<String> aliveServers(String datacenter) {
    Map<String, Boolean> nodes = aliveByDc.get(datacenter);
    return nodes == null ? List.of() : List.copyOf(nodes.keySet());
  }

  /** The DCs (lower case) with a member that has not left: failed members may come back. */
  public Set<String> datacenters() {
    Set<String> dcs = new TreeSet<>();
    for (Member m : members.values()) {
      if (m.state() != MemberState.LEFT) {
        dcs.add(Names.datacenterKey(m.datacenter()));
      }
    }
    return dcs;
  }

  /** Every member known, alive or not, sorted by name. */
  public List<Member> members() {
    return List.copyOf(members.values());
  }

  /** Serf's status of a member: a suspect is still alive until declared failed. */
  public static String status(Member member) {
    return switch (member.state()) {
      case ALIVE, SUSPECT -> ALIVE;
      case DEAD -> FAILED;
      case LEFT -> LEFT;
    };
  }

  /**
   * How many times a server of {@code datacenter} has become alive in this view (joined, or
   * recovered after being failed or left): a change tells a waiting routine that the DC may be
   * reachable again.
   */
  public long arrivals(String datacenter) {
    AtomicLong n = arrivals.get(Names.datacenterKey(datacenter));
    return n == null ? 0 : n.get();
  }

  private void apply(Member member, boolean alive) {
    members.put(member.name(), member);
    // SWIM admits valid WAN member names only
    String node = Names.parseWanMemberName(member.name()).orElseThrow().node();
    Map<String, Boolean> nodes = aliveByDc.computeIfAbsent(member.datacenter(), dc -> new ConcurrentSkipListMap<>());
    if (alive && member.state() != MemberState.DEAD && member.state() != MemberState.LEFT) {
      if (nodes.put(node, Boolean.TRUE) == null) {
        arrivals.computeIfAbsent(Names.datacenterKey(member.datacenter()), dc -> new AtomicLong()).incrementAndGet();
      }
    } else {
      nodes.remove(node);
    }
  }
}
