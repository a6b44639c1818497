package io.meshfed.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.meshfed.actors.lan.ArteryTls;
import io.meshfed.actors.lan.LanBootstrap;
import io.meshfed.actors.lan.LanCluster;
import io.meshfed.actors.locator.GatewayLocator;
import io.meshfed.actors.wan.WanMembership;
import io.meshfed.actors.wan.swim.Member;
import io.meshfed.actors.wan.swim.WanVersions;
import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.version.Versions;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.transport.tls.TlsSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.remote.artery.tcp.SSLEngineProviderSetup;

/**
 * What the actors of a server are told from its configuration: the actors take their own settings
 * records, so the actor system does not depend on how the configuration is read.
 */
final class ActorSettings {
  private ActorSettings() {}

  /**
   * The LAN cluster's settings. No seed nodes: {@link LanBootstrap} joins (docs/operations.md,
   * "Bootstrapping a DC"), and {@code min-nr-of-members} keeps a cluster below
   * {@code bootstrap-expect} from running anything.
   */
  static Config lan(ServerConfig c) {
    long failureMillis = c.lanFailureTimeout().toMillis();
    return ConfigFactory.parseMap(Map.ofEntries(
            Map.entry("pekko.actor.provider", "cluster"),
            Map.entry("pekko.remote.artery.canonical.hostname", c.advertiseAddress()),
            Map.entry("pekko.remote.artery.canonical.port", c.ports().lan()),
            Map.entry("pekko.remote.artery.bind.hostname", c.bindAddress()),
            Map.entry("pekko.remote.artery.bind.port", c.ports().lan()),
            Map.entry("pekko.cluster.min-nr-of-members", c.bootstrapExpect()),
            // each server's release in the LAN cluster's member list: `meshfed members` during a rolling upgrade
            Map.entry("pekko.cluster.app-version", Versions.RELEASE),
            Map.entry("pekko.cluster.failure-detector.acceptable-heartbeat-pause", failureMillis + "ms"),
            Map.entry("pekko.cluster.split-brain-resolver.stable-after", failureMillis + "ms"),
            // Pekko would take stable-after; the margin only has to cover the two sides of a
            // failure deciding on different SBR ticks (docs/decisions/0020).
            Map.entry("pekko.cluster.down-removal-margin", c.lanRemovalMargin().toMillis() + "ms")),
            "meshfed LAN settings")
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(LanCluster.roles(c.nodeName(), c.ports().server())));
  }

  /**
   * The actor system's setup: its configuration and, with TLS configured, Artery over TLS with the
   * server's certificate.
   */
  static ActorSystemSetup lanSetup(ServerConfig c, Optional<TlsSource> tls, Config config) {
    if (tls.isEmpty()) {
      return ActorSystemSetup.create(BootstrapSetup.create(config));
    }
    Supplier<SSLContext> context = ServerTransport.jdkContext(tls.get(), "the LAN cluster's");
    String dcName = Names.anyServerSni(c.datacenter(), c.domain());
    return ActorSystemSetup.create(
        BootstrapSetup.create(ConfigFactory.parseString("pekko.remote.artery.transport = tls-tcp").withFallback(config)),
        SSLEngineProviderSetup.create(system -> new ArteryTls(context, dcName)));
  }

  /** Who forms the DC's cluster: this server and {@code retry-join}, {@code bootstrap-expect} of them present. */
  static LanBootstrap.Settings lanBootstrap(ServerConfig c) {
    String self = c.advertiseAddress() + ":" + c.ports().lan();
    List<String> seeds = new ArrayList<>(c.retryJoin());
    seeds.add(self);
    return new LanBootstrap.Settings(self, seeds, c.bootstrapExpect(), LanBootstrap.Settings.PROBE_INTERVAL,
        LanBootstrap.Settings.STABLE_MARGIN);
  }

  /** The locator's settings: the configured probe interval and timeout, and the default read wait. */
  static GatewayLocator.Settings locator(ServerConfig config) {
    return new GatewayLocator.Settings(config.datacenter(), config.primaryDatacenter(), config.domain(),
        config.primaryGateways(), config.primaryGatewaysInterval(), config.federationStates().gatewayProbeInterval(),
        config.federationStates().gatewayProbeTimeout(), GatewayLocator.Settings.DEFAULT_READ_WAIT);
  }

  /** What this server tells the WAN about itself: its release, the protocol versions it speaks, its role. */
  static Map<String, String> wanTags(ServerConfig config, String version) {
    Map<String, String> tags = new TreeMap<>(WanVersions.current());
    tags.putAll(Map.of(Member.Tags.VERSION, version, Member.Tags.FEATURE_FEDERATION_STATES, "1",
        Member.Tags.ROLE, "server", Member.Tags.PORT, Integer.toString(config.ports().server())));
    return tags;
  }

  /** WAN membership's setup: this server as a member, and whether it joins the primary (a secondary does). */
  static WanMembership.Setup wan(ServerConfig config, Map<String, String> tags) {
    return new WanMembership.Setup(config.nodeName(), Names.datacenterKey(config.datacenter()),
        Names.datacenterKey(config.primaryDatacenter()),
        config.advertiseAddress() + ":" + config.ports().server(),
        tags,
        config.wan(), !config.isPrimary(), config.retryIntervalWan());
  
  }
}
