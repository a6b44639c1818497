package io.meshfed.actors.lan;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.meshfed.actors.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import io.meshfed.protocol.names.Names;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.remote.artery.tcp.SSLEngineProviderSetup;

/**
 * The Pekko Cluster settings of a DC's servers (docs/architecture.md, "A DC: servers, the LAN cluster and its
 * singletons") and how a cluster member is recognised as a meshfed server: its roles carry its node name and
 * server port.
 */
public final class LanCluster {
  /** Every server's actor system has this name: Artery addresses include it. */
  public static final String SYSTEM_NAME = "meshfed";
  public static final String SERVER_ROLE = "meshfed-server";
  private static final String NODE_ROLE_PREFIX = "node=";
  private static final String SERVER_PORT_ROLE_PREFIX = "server-port=";

  private LanCluster() {}

  /**
   * Seeds are this server plus {@code retry-join}, sorted, so that every server of a DC sees the
   * same first seed: Pekko lets only the first seed form a new cluster, and only when no other seed
   * answers, so servers can start in any order and a restarted server rejoins the running cluster.
   */
  public static Config config(ServerConfig c) {
    String self = c.advertiseAddress() + ":" + c.ports().lan();
    TreeSet<String> seeds = new TreeSet<>(c.retryJoin());
    seeds.add(self);
    List<String> seedUris = new ArrayList<>();
    for (String hostPort : seeds) {
      seedUris.add("pekko://" + SYSTEM_NAME + "@" + hostPort);
    }
    long failureMillis = c.lanFailureTimeout().toMillis();
    return ConfigFactory.parseMap(Map.ofEntries(
            Map.entry("pekko.actor.provider", "cluster"),
            Map.entry("pekko.remote.artery.canonical.hostname", c.advertiseAddress()),
            Map.entry("pekko.remote.artery.canonical.port", c.ports().lan()),
            Map.entry("pekko.remote.artery.bind.hostname", c.bindAddress()),
            Map.entry("pekko.remote.artery.bind.port", c.ports().lan()),
            Map.entry("pekko.cluster.min-nr-of-members", c.bootstrapExpect()),
            Map.entry("pekko.cluster.failure-detector.acceptable-heartbeat-pause", failureMillis + "ms"),
            Map.entry("pekko.cluster.split-brain-resolver.stable-after", failureMillis + "ms")),
            "meshfed LAN settings")
        .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seedUris))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of(SERVER_ROLE,
            NODE_ROLE_PREFIX + c.nodeName(), SERVER_PORT_ROLE_PREFIX + c.ports().server())));
  }

  /**
   * The actor system's setup: its configuration and, with TLS configured, Artery over TLS with the
   * server's certificate.
   */
  public static ActorSystemSetup setup(ServerConfig c, Optional<TlsMaterial> tls, Config config) {
    if (tls.isEmpty()) {
      return ActorSystemSetup.create(BootstrapSetup.create(config));
    }
    SSLContext context = TlsContexts.jdkSslContext(tls.get());
    String dcName = Names.anyServerSni(c.datacenter(), c.domain());
    return ActorSystemSetup.create(
        BootstrapSetup.create(ConfigFactory.parseString("pekko.remote.artery.transport = tls-tcp").withFallback(config)),
        SSLEngineProviderSetup.create(system -> new ArteryTls(context, dcName)));
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
