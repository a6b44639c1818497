package io.meshfed.actors.lan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/** The DC's servers as the members API shows them, read from the Pekko Cluster state. */
public final class LanMembers {
  public static final String ALIVE = "alive";
  public static final String LEAVING = "leaving";
  public static final String LEFT = "left";
  public static final String FAILED = "failed";
  public static final String JOINING = "joining";

  private LanMembers() {}

  /**
   * One server of the DC as seen by the cluster.
   *
   * @param version its release (the cluster member's app-version), or {@link #UNKNOWN_VERSION} for a
   *     release that did not advertise one (0.1.0)
   */
  public record Server(String node, String host, int lanPort, int serverPort, String status, boolean oldest,
      String version) {
    public Server(String node, String host, int lanPort, int serverPort, String status, boolean oldest) {
      this(node, host, lanPort, serverPort, status, oldest, UNKNOWN_VERSION);
    }
  }

  /** What the members API shows for a server whose release did not set the cluster's app-version. */
  public static final String UNKNOWN_VERSION = "unknown";
  /** Pekko's app-version when none is configured. */
  private static final String PEKKO_DEFAULT_APP_VERSION = "0.0.0";

  public static List<Server> servers(CurrentClusterState state) {
    Set<Member> unreachable = new java.util.HashSet<>();
    state.getUnreachable().forEach(unreachable::add);
    Optional<Member> oldest = oldestUp(state);
    List<Server> out = new ArrayList<>();
    for (Member m : state.getMembers()) {
      if (!LanCluster.isServer(m)) {
        continue;
      }
      String node = LanCluster.nodeName(m).orElse(m.address().toString());
      out.add(new Server(node, m.address().getHost().orElse(""), (Integer) m.address().getPort().orElse(0),
          LanCluster.serverPort(m), status(m, unreachable.contains(m)), oldest.map(m::equals).orElse(false),
          version(m)));
    }
    out.sort(Comparator.comparing(Server::node));
    return out;
  }

  /** The oldest Up server hosts the DC's singletons: the leader and the state store. */
  public static Optional<Member> oldestUp(CurrentClusterState state) {
    List<Member> up = new ArrayList<>();
    for (Member m : state.getMembers()) {
      if (LanCluster.isServer(m) && m.status() == MemberStatus.up()) {
        up.add(m);
      }
    }
    return up.stream().reduce((a, b) -> a.isOlderThan(b) ? a : b);
  }

  private static String version(Member m) {
    String v = m.appVersion().version();
    return v.equals(PEKKO_DEFAULT_APP_VERSION) ? UNKNOWN_VERSION : v;
  }

  /** The members API's LAN view: one entry per server of this DC, named by node, with its own release. */
  public static List<io.meshfed.protocol.model.Member> asMembers(List<Server> servers, String datacenter) {
    List<io.meshfed.protocol.model.Member> out = new ArrayList<>();
    for (Server s : servers) {
      Map<String, String> tags = new TreeMap<>(Map.of(
          "role", "server",
          "dc", datacenter,
          "port", Integer.toString(s.serverPort()),
          "version", s.version(),
          "ft_fs", "1"));
      if (s.oldest()) {
        tags.put("leader", "true");
      }
      out.add(new io.meshfed.protocol.model.Member(s.node(),
          s.host(), s.lanPort(), s.status(), datacenter, tags));
    }
    return out;
  }

  private static String status(Member m, boolean unreachable) {
    if (unreachable) {
      return FAILED;
    }
    MemberStatus st = m.status();
    if (st == MemberStatus.up() || st == MemberStatus.weaklyUp()) {
      return ALIVE;
    }
    if (st == MemberStatus.joining()) {
      return JOINING;
    }
    if (st == MemberStatus.leaving() || st == MemberStatus.exiting()) {
      return LEAVING;
    }
    if (st == MemberStatus.down()) {
      return FAILED;
    }
    return LEFT;
  }
}
