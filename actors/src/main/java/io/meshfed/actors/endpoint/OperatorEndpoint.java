package io.meshfed.actors.endpoint;

import io.meshfed.actors.acl.Acl;
import io.meshfed.actors.acl.Policy;
import io.meshfed.actors.lan.LanMembers;
import io.meshfed.protocol.model.Member;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;

/**
 * Leader and members, read from this server's view of the DC's cluster. The leader is the oldest
 * Up server: it hosts the DC's singletons. Until WAN membership arrives, the WAN list holds this
 * DC's servers only.
 */
public final class OperatorEndpoint {
  private final ServerIdentity self;
  private final Acl acl;
  private final Supplier<CurrentClusterState> cluster;

  public OperatorEndpoint(ServerIdentity self, Acl acl, Supplier<CurrentClusterState> cluster) {
    this.self = self;
    this.acl = acl;
    this.cluster = cluster;
  }

  /** The leader's server-port address, {@code host:port}, or empty while the DC has none. */
  public String leader(String token) {
    acl.authorize(token, Policy.OPERATOR_READ);
    return leaderServer().map(s -> s.host() + ":" + s.serverPort()).orElse("");
  }

  public String leaderNode() {
    return leaderServer().map(LanMembers.Server::node).orElse("");
  }

  public List<Member> members(String token, boolean wan) {
    acl.authorize(token, Policy.OPERATOR_READ);
    return LanMembers.asMembers(LanMembers.servers(cluster.get()), self.datacenter(), self.version(), wan);
  }

  private Optional<LanMembers.Server> leaderServer() {
    return LanMembers.servers(cluster.get()).stream().filter(LanMembers.Server::oldest).findFirst();
  }
}
