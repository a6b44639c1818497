package io.meshfed.server.endpoint;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.actors.lan.LanMembers;
import io.meshfed.actors.wan.WanRouter;
import io.meshfed.protocol.model.Member;
import io.meshfed.actors.leader.Leader;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.persistence.store.SnapshotFile;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import java.util.Optional;
import java.util.function.Supplier;
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

  public OperatorEndpoint(ServerIdentity self, Acl acl, Supplier<CurrentClusterState> cluster,
      ActorRef<Leader.Command> leader, ActorSystem<?> system, WanRouter wan, FederationStatusEndpoint federation,
      StoreClient store, Clock clock) {
    this.store = store;
    this.clock = clock;
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
