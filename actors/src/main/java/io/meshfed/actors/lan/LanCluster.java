package io.meshfed.actors.lan;

import java.util.List;
import java.util.Optional;
import org.apache.pekko.cluster.Member;

/**
 * How the Pekko Cluster of a DC's servers (docs/architecture.md, "A DC: servers, the LAN cluster and its
 * singletons") names its system and recognises a meshfed server: a member's roles carry its node name and
 * server port.
 */
public final class LanCluster {
  /** Every server's actor system has this name: Artery addresses include it. */
  public static final String SYSTEM_NAME = "meshfed";
  public static final String SERVER_ROLE = "meshfed-server";
  private static final String NODE_ROLE_PREFIX = "node=";
  private static final String SERVER_PORT_ROLE_PREFIX = "server-port=";

  private LanCluster() {}

  /** The roles a server's cluster member carries: the server role, its node name and its server port. */
  public static List<String> roles(String nodeName, int serverPort) {
    return List.of(SERVER_ROLE, NODE_ROLE_PREFIX + nodeName, SERVER_PORT_ROLE_PREFIX + serverPort);
  }

  public static boolean isServer(Member m) {
    return m.hasRole(SERVER_ROLE);
  }

  public static Optional<String> nodeName(Member m) {
    return role(m, NODE_ROLE_PREFIX);
  }

  public static int serverPort(Member m) {
    return role(m, SERVER_PORT_ROLE_PREFIX).map(Integer::parseInt).orElse(0);
  }

  private static Optional<String> role(Member m, String prefix) {
    return m.getRoles().stream().filter(r -> r.startsWith(prefix)).map(r -> r.substring(prefix.length())).findFirst();
  }
}
