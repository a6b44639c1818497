package io.meshfed.server.endpoint;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.actors.lan.LanCluster;
import io.meshfed.actors.lan.LanMembers;
import io.meshfed.actors.wan.WanMembership;
import io.meshfed.actors.wan.swim.SwimMembership;
import io.meshfed.protocol.names.Names;
import io.meshfed.actors.wan.WanRouter;
import io.meshfed.protocol.model.Member;
import io.meshfed.actors.leader.Leader;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.persistence.store.SnapshotFile;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;

/**
 * Leader and members, read from this server's view of the DC's cluster. The leader is the oldest
 * Up server: it hosts the DC's singletons. The WAN list is the WAN membership: every server of every
 * DC, as this server's SWIM view has them.
 */
public final class OperatorEndpoint {
  private final ServerIdentity self;
  private final Acl acl;
  /** A leader that does not answer this fast is being elected or moved. */
  static final Duration ROUTINES_TIMEOUT = Duration.ofSeconds(5);

  private final Supplier<CurrentClusterState> cluster;
  private final ActorRef<Leader.Command> leader;
  private final ActorSystem<?> system;
  private final WanRouter wan;
  private final FederationStatusEndpoint federation;
  private final StoreClient store;
  private final Clock clock;
  private final ActorRef<WanMembership.Command> wanMembership;
  private final Consumer<Address> down;
  /** The WAN membership answers from its own state at once; longer means it is restarting. */
  static final Duration FORCE_LEAVE_TIMEOUT = Duration.ofSeconds(5);

  /** What {@code PUT /v1/agent/force-leave/NODE} did, as one line for the CLI. */
  public record ForceLeft(String member, String outcome, String message) {}

  /**
   * @param wanMembership this server's WAN membership, told of WAN force-leaves
   * @param down downs a member of this DC's Pekko cluster (LAN force-leave)
   */
  public OperatorEndpoint(ServerIdentity self, Acl acl, Supplier<CurrentClusterState> cluster,
      ActorRef<Leader.Command> leader, ActorSystem<?> system, WanRouter wan, FederationStatusEndpoint federation,
      StoreClient store, Clock clock, ActorRef<WanMembership.Command> wanMembership, Consumer<Address> down) {
    this.store = store;
    this.clock = clock;
    this.wanMembership = wanMembership;
    this.down = down;
    this.wan = wan;
    this.federation = federation;
    this.self = self;
    this.acl = acl;
    this.cluster = cluster;
    this.leader = leader;
    this.system = system;
  }

  /** The leader's routines: name, running, restarts, last error (Consul's routine manager, visible). */
  public CompletionStage<Leader.RoutineReport> routines(String token) {
    return Endpoints.guarded(() -> {
      acl.operator(token, Access.READ);
      return AskPattern.<Leader.Command, Leader.RoutineReport>ask(leader, Leader.Report::new, ROUTINES_TIMEOUT,
              system.scheduler())
          .exceptionally(err -> {
            throw new ApiException(ApiException.Code.UNAVAILABLE, "the DC's leader did not answer within "
                + ROUTINES_TIMEOUT.toSeconds() + "s (it may be moving to another server); retry");
          });
    });
  }

  /** Every DC's verdict as this server sees it ({@code dc} "" for all); see {@link FederationStatusEndpoint}. */
  public CompletionStage<io.meshfed.server.status.FederationStatus> federation(String token, String dc) {
    return federation.status(token, dc);
  }

  /** A snapshot file's bytes and the store index it reflects. */
  public record Snapshot(long index, byte[] file) {}

  /**
   * This DC's store as a snapshot file ({@link SnapshotFile}), taken inside the store so that it is
   * one point of its history; never forwarded: a snapshot is of the DC asked. With ACLs on it needs
   * acl:write, as Consul's needs a management token: the file holds the whole state, the ACL table
   * with its token hashes included (which the ACL API shows only to acl:write too).
   */
  public CompletionStage<Snapshot> snapshot(String token) {
    return Endpoints.guarded(() -> {
      // Only a rule grants acl:write, never the default policy: with ACLs off there is none to ask for.
      if (acl.enabled()) {
        acl.acl(token, Access.WRITE);
      }
      return store.<DcStore.SnapshotTaken>ask(DcStore.TakeSnapshot::new)
          .thenApply(taken -> new Snapshot(taken.index(), SnapshotFile.encode(taken, self.version(), clock.instant())));
    });
  }

  /** The leader's server-port address, {@code host:port}, or empty while the DC has none. */
  public String leader(String token) {
    acl.operator(token, Access.READ);
    return leaderServer().map(s -> s.host() + ":" + s.serverPort()).orElse("");
  }

  public String leaderNode() {
    return leaderServer().map(LanMembers.Server::node).orElse("");
  }

  public List<Member> members(String token, boolean wan) {
    acl.operator(token, Access.READ);
    if (!wan) {
      return LanMembers.asMembers(LanMembers.servers(cluster.get()), self.datacenter());
    }
    return this.wan.members().stream().map(OperatorEndpoint::asMember).toList();
  }

  /**
   * Consul's force-leave: {@code node} is a WAN member name ({@code <node>.<dc>}) with {@code wan},
   * else a server of this DC. A failed member is marked left (WAN: the leave is gossiped to every
   * server of every DC); an alive one is refused unless {@code prune}; {@code prune} on the WAN
   * forgets the member everywhere, on the LAN it is refused for a reachable server (downing it would
   * stop it) and is a plain force-leave for a failed one (a downed server leaves the cluster's list).
   * Needs {@code operator:write}.
   */
  public CompletionStage<ForceLeft> forceLeave(String token, String node, boolean wan, boolean prune) {
    return Endpoints.guarded(() -> {
      acl.operator(token, Access.WRITE);
      if (node.isEmpty()) {
        throw ApiException.invalid("Missing node name");
      }
      return wan ? forceLeaveWan(node, prune) : CompletableFuture.completedFuture(forceLeaveLan(node, prune));
    });
  }

  private CompletionStage<ForceLeft> forceLeaveWan(String name, boolean prune) {
    if (Names.parseWanMemberName(name).isEmpty()) {
      throw ApiException.invalid("force-leave -wan: " + name + " is not a WAN member name; WAN members are named"
          + " <node>.<dc>, as `meshfed members --wan` lists them");
    }
    return AskPattern.<WanMembership.Command, SwimMembership.ForceLeave>ask(wanMembership,
            replyTo -> new WanMembership.ForceLeave(name, prune, replyTo), FORCE_LEAVE_TIMEOUT, system.scheduler())
        .exceptionally(err -> {
          throw new ApiException(ApiException.Code.UNAVAILABLE, "the WAN membership did not answer the force-leave"
              + " of " + name + " within " + FORCE_LEAVE_TIMEOUT.toSeconds() + "s; retry");
        })
        .thenApply(outcome -> switch (outcome) {
          case LEFT -> new ForceLeft(name, "left", "WAN member " + name + " is left now; the leave spreads to"
              + " every server by gossip");
          case ALREADY_LEFT -> new ForceLeft(name, "left", "WAN member " + name + " had left already");
          case PRUNED -> new ForceLeft(name, "pruned", "WAN member " + name + " is pruned: forgotten here, and"
              + " by every server the gossip reaches (a member that still runs comes back)");
          case UNKNOWN -> throw new ApiException(ApiException.Code.NOT_FOUND, "no WAN member " + name
              + " in this server's view (`meshfed members --wan` lists them)");
          case ALIVE -> throw ApiException.invalid("WAN member " + name + " is alive: force-leave removes failed"
              + " members only (a running member would refute the leave); prune (`meshfed force-leave --prune`)"
              + " drops it from the list anyway");
          case SELF -> throw ApiException.invalid("WAN member " + name + " is this server: a server leaves by"
              + " stopping (it leaves gracefully at shutdown)");
        });
  }

  private ForceLeft forceLeaveLan(String node, boolean prune) {
    CurrentClusterState state = cluster.get();
    java.util.Set<org.apache.pekko.cluster.Member> unreachable = new java.util.HashSet<>();
    state.getUnreachable().forEach(unreachable::add);
    for (org.apache.pekko.cluster.Member m : state.getMembers()) {
      if (!LanCluster.isServer(m) || !LanCluster.nodeName(m).map(node::equals).orElse(false)) {
        continue;
      }
      if (node.equals(self.nodeName())) {
        throw ApiException.invalid("server " + node + " is this server: a server leaves by stopping (it leaves"
            + " the cluster gracefully at shutdown)");
      }
      MemberStatus status = m.status();
      if (status == MemberStatus.down() || status == MemberStatus.leaving() || status == MemberStatus.exiting()
          || status == MemberStatus.removed()) {
        return new ForceLeft(node, "left", "server " + node + " of " + self.datacenter() + " is leaving already ("
            + status + ")");
      }
      if (!unreachable.contains(m)) {
        throw ApiException.invalid("server " + node + " of " + self.datacenter() + " is alive (reachable in the"
            + " LAN cluster): force-leave removes failed servers only" + (prune ? "; -prune cannot remove a"
            + " reachable server either, because downing it makes it shut itself down: stop it instead, and it"
            + " leaves gracefully" : "; to remove a running server, stop it: it leaves gracefully"));
      }
      // Downing is Pekko's removal of a member it cannot reach: the cluster then drops it from its list,
      // so a LAN prune has nothing more to do than this.
      down.accept(m.address());
      return new ForceLeft(node, prune ? "pruned" : "left", "server " + node + " of " + self.datacenter()
          + " was unreachable and is downed: the LAN cluster removes it" + (prune ? " from its list" : ""));
    }
    throw new ApiException(ApiException.Code.NOT_FOUND, "no server " + node + " in " + self.datacenter()
        + "'s LAN cluster (`meshfed members` lists them; add -wan for another DC's)");
  }

  /** Consul's WAN member: {@code <node>.<dc>}, the server port's address, Serf's status, the tags. */
  private static Member asMember(io.meshfed.actors.wan.swim.Member m) {
    int colon = m.address().lastIndexOf(':');
    return new Member(m.name(), m.address().substring(0, colon), Integer.parseInt(m.address().substring(colon + 1)),
        WanRouter.status(m), m.datacenter(), m.tags());
  }

  private Optional<LanMembers.Server> leaderServer() {
    return LanMembers.servers(cluster.get()).stream().filter(LanMembers.Server::oldest).findFirst();
  }
}
