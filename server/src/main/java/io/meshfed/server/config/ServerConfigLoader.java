package io.meshfed.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.WrongType;
import io.meshfed.protocol.model.Quote;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.BuiltInPolicies;
import io.meshfed.server.acl.Rules;
import io.meshfed.actors.wan.swim.SwimSettings;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.protocol.names.Names;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads a server's configuration: flags over the HOCON file over the {@code --dev} defaults over
 * {@code meshfed-defaults.conf}, then validates it. Every problem is a {@link ConfigException}
 * with one line naming the option and what to do.
 */
public final class ServerConfigLoader {
  private static final String ROOT = "meshfed";

  private static final String DEFAULTS_RESOURCE = "meshfed-defaults.conf";

  private ServerConfigLoader() {}

  /**
   * @param overrides HOCON paths below {@code meshfed} (for example {@code ports.http}) set by
   *     flags; values are strings, numbers, booleans or lists.
   */
  public static ServerConfig load(Optional<Path> configFile, boolean dev, Map<String, Object> overrides) {
    Config defaults = ConfigFactory.parseResources(ServerConfigLoader.class, "/" + DEFAULTS_RESOURCE,
        ConfigParseOptions.defaults().setAllowMissing(false));
    Config file = configFile.map(ServerConfigLoader::parseFile).orElse(ConfigFactory.empty());
    Config flags = ConfigFactory.parseMap(prefixed(overrides), "command-line flags");
    Config layered = flags.withFallback(file);
    if (dev) {
      layered = layered.withFallback(devDefaults());
    }
    Config merged;
    try {
      merged = layered.withFallback(defaults).resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(true));
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("configuration: " + blameSubstitution(e, file).orElse(e.getMessage()));
    }
    rejectUnknownKeys(layered, defaults);
    return build(merged.getConfig(ROOT), dev);
  }

  /**
   * A substitution in the file ({@code +=}, {@code ${...}}) that does not combine with the default it
   * refers to fails with the default's line, which the operator never wrote: name the file's lines
   * that substitute instead.
   */
  private static Optional<String> blameSubstitution(com.typesafe.config.ConfigException e, Config file) {
    if (e.origin() == null || !DEFAULTS_RESOURCE.equals(e.origin().resource())) {
      return Optional.empty();
    }
    List<String> substituting = new ArrayList<>();
    substitutions("", file.root(), substituting);
    if (substituting.isEmpty()) {
      return Optional.empty();
    }
    String reason = e.getMessage().startsWith(e.origin().description() + ": ")
        ? e.getMessage().substring(e.origin().description().length() + 2) : e.getMessage();
    return Optional.of(String.join(", ", substituting) + ": a substitution (+= or ${...}) does not combine with the"
        + " default value it refers to (" + reason + "); set the value itself instead");
  }

  /** Each value under {@code object} that is not resolved yet, as "origin: path". */
  private static void substitutions(String prefix, com.typesafe.config.ConfigObject object, List<String> out) {
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      String path = (prefix.isEmpty() ? "" : prefix + ".") + com.typesafe.config.ConfigUtil.joinPath(entry.getKey());
      ConfigValue value = entry.getValue();
      try {
        if (value instanceof com.typesafe.config.ConfigObject child) {
          substitutions(path, child, out);
        } else {
          value.valueType();
        }
      } catch (com.typesafe.config.ConfigException.NotResolved unresolved) {
        out.add(value.origin().description() + ": " + path);
      }
    }
  }

  private static Config parseFile(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new ConfigException("--config-file " + path + ": no such file");
    }
    if (!Files.isReadable(path)) {
      throw new ConfigException("--config-file " + path + ": not readable");
    }
    try {
      return ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (com.typesafe.config.ConfigException e) {
      // Typesafe quotes the offending token, line breaks and all.
      throw new ConfigException("--config-file " + path + ": " + e.getMessage().replace('\n', ' '));
    }
  }

  private static Config devDefaults() {
    return ConfigFactory.parseMap(prefixed(Map.of(
        "ports.server", 0, "ports.lan", 0, "ports.http", 0, "ports.grpc", 0,
        "bind-address", "127.0.0.1")), "--dev defaults");
  }

  private static Map<String, Object> prefixed(Map<String, Object> m) {
    Map<String, Object> out = new java.util.HashMap<>();
    m.forEach((k, v) -> out.put(ROOT + "." + k, v));
    return out;
  }

  /** Consul options meshfed refuses by name, with the reason, rather than as unknown keys. */
  private static final Map<String, String> REMOVED_KEYS = Map.of("retry-join-wan",
      "meshfed servers never dial another datacenter's servers directly, and a secondary joins the WAN through the "
          + "primary's mesh gateways: list their WAN addresses in meshfed.primary-gateways instead");

  private static void rejectUnknownKeys(Config given, Config defaults) {
    for (Map.Entry<String, ConfigValue> e : given.entrySet()) {
      String path = e.getKey();
      if (!path.startsWith(ROOT + ".")) {
        throw new ConfigException("unknown top-level configuration key " + Quote.single(path)
            + ": every option lives under 'meshfed { ... }'");
      }
      String removed = REMOVED_KEYS.get(path.substring(ROOT.length() + 1));
      if (removed != null) {
        throw new ConfigException("meshfed." + path.substring(ROOT.length() + 1) + " is not supported: " + removed);
      }
      if (!defaults.hasPathOrNull(path) && !path.startsWith(ROOT + ".static-gateways.")
          && !path.startsWith(ROOT + ".acl.policies.")) {
        throw new ConfigException("unknown configuration key " + Quote.single(path) + " (see docs/configuration.md)");
      }
    }
  }

  private static ServerConfig build(Config c, boolean dev) {
    String dc = string(c, "datacenter");
    Names.datacenterError(dc).ifPresent(err -> fail("meshfed.datacenter: " + err));
    String primary = string(c, "primary-datacenter");
    if (primary.isEmpty()) {
      if (!dev) {
        fail("meshfed.primary-datacenter is not set: name the primary DC (with one DC, the same as meshfed.datacenter)");
      }
      primary = dc;
    }
    String primaryDc = primary;
    Names.datacenterError(primaryDc).ifPresent(err -> fail("meshfed.primary-datacenter: " + err));

    String node = string(c, "node-name");
    if (node.isEmpty()) {
      node = localHostName();
    }
    Names.nodeNameError(node).ifPresent(err -> fail("meshfed.node-name: " + err));

    String domain = string(c, "domain");
    if (domain.isEmpty() || Names.nodeNameError(domain).isPresent()) {
      fail("meshfed.domain: " + Quote.single(domain) + " is not a DNS name");
    }

    boolean ephemeral = false;
    String dataDirText = string(c, "data-dir");
    Path dataDir;
    if (dataDirText.isEmpty()) {
      if (!dev) {
        fail("meshfed.data-dir is not set: give the directory that holds this server's state (--data-dir)");
      }
      dataDir = devDataDir();
      ephemeral = true;
    } else {
      dataDir = Path.of(dataDirText).toAbsolutePath();
    }

    String bind = string(c, "bind-address");
    if (bind.isEmpty()) {
      fail("meshfed.bind-address is empty: give the address to listen on");
    }
    String advertise = string(c, "advertise-address");
    if (advertise.isEmpty()) {
      advertise = bind;
    }

    // The server and LAN ports are advertised (catalog, members) before anything binds them, so a
    // 0 there is resolved to a concrete free port now; HTTP and gRPC resolve 0 when they bind.
    // A port picked so must not be one given for another listener: the system may hand out a port
    // that a test or a launcher found free a moment ago and wrote into this config.
    int http = port(c, "ports.http");
    int grpc = port(c, "ports.grpc");
    int https = optionalPort(c, "ports.https");
    int grpcTls = optionalPort(c, "ports.grpc-tls");
    Set<Integer> taken = new java.util.HashSet<>(List.of(port(c, "ports.server"), port(c, "ports.lan"), http, grpc,
        https, grpcTls));
    int server = concretePort(port(c, "ports.server"), taken);
    taken.add(server);
    ServerConfig.Ports ports = new ServerConfig.Ports(server, concretePort(port(c, "ports.lan"), taken),
        http, grpc, https, grpcTls);
    checkDistinct(ports);

    List<String> retryJoin = strings(c, "retry-join");
    int bootstrapExpect = integer(c, "bootstrap-expect");
    if (bootstrapExpect < 1) {
      fail("meshfed.bootstrap-expect must be at least 1, got " + bootstrapExpect);
    }

    ServerConfig.Persistence persistence = persistence(c);
    if (persistence.journal() == ServerConfig.Journal.H2 && (bootstrapExpect > 1 || !retryJoin.isEmpty())) {
      fail("a multi-server DC needs a shared journal: the embedded H2 journal belongs to one server; "
          + "set meshfed.persistence.journal = postgres (and meshfed.persistence.postgres.url)");
    }

    ServerConfig.Tls tls = tls(c);
    requireTlsFor("https", ports.https(), tls);
    requireTlsFor("grpc-tls", ports.grpcTls(), tls);
    List<String> primaryGateways = strings(c, "primary-gateways");
    if (!primaryGateways.isEmpty() && dc.equals(primaryDc)) {
      fail("'primary-gateways' should only be configured in a secondary datacenter");
    }
    for (String gw : primaryGateways) {
      hostPort("meshfed.primary-gateways", gw);
    }
    Duration primaryGatewaysInterval = positiveDuration(c, "primary-gateways-interval");
    Map<String, List<String>> staticGateways = staticGateways(c);
    Duration retryIntervalWan = positiveDuration(c, "retry-interval-wan");
    ServerConfig.Connect connect = connect(c, dc, primaryDc, tls);
    if (!dc.equals(primaryDc) && primaryGateways.isEmpty() && !staticGateways.containsKey(primaryDc)) {
      fail("meshfed.datacenter = " + dc + " is a secondary of " + primaryDc + " but names no way to reach it: set "
          + "meshfed.primary-gateways to the WAN addresses (HOST:PORT) of " + primaryDc + "'s mesh gateways");
    }

    for (String seed : retryJoin) {
      hostPort("meshfed.retry-join", seed);
    }
    // Servers named in retry-join, plus this one, unless it lists itself.
    String self = advertise + ":" + ports.lan();
    int dcSize = (int) retryJoin.stream().filter(seed -> !seed.equals(self)).count() + 1;
    if (bootstrapExpect <= dcSize / 2) {
      fail("meshfed.bootstrap-expect = " + bootstrapExpect + " is not a majority of the " + dcSize
          + " servers this DC names (retry-join and this one): a minority could elect a leader of its own; "
          + "set it to at least " + (dcSize / 2 + 1));
    }
    Duration lanFailureTimeout = positiveDuration(c, "lan.failure-timeout");
    Duration lanRemovalMargin = removalMargin(c, lanFailureTimeout);
    return new ServerConfig(dev, dc, primaryDc, node, domain, dataDir, ephemeral, bind, advertise, ports,
        retryJoin, bootstrapExpect, lanFailureTimeout, lanRemovalMargin, bool(c, "lan.crash-probe"),
        rpcHoldTimeout(c), persistence, tls, connect, primaryGateways,
        primaryGatewaysInterval, staticGateways,
        retryIntervalWan, wan(c), federationStates(c), acl(c), limits(c));
  }

  private static final String WANFED = "connect.enable-mesh-gateway-wan-federation";

  /**
   * meshfed federates datacenters only through mesh gateways (docs/decisions/0016): the switch is
   * read so that a Consul-shaped file works unchanged, and a value that asks for anything else stops
   * start-up instead of being ignored. A server federates when it is a secondary or has TLS (without
   * TLS nothing crosses DCs: decision 0012).
   */
  private static ServerConfig.Connect connect(Config c, String dc, String primaryDc, ServerConfig.Tls tls) {
    boolean enabled = bool(c, "connect.enabled");
    boolean secondary = !dc.equals(primaryDc);
    Optional<Boolean> wanfed = c.getIsNull(WANFED) ? Optional.empty() : Optional.of(bool(c, WANFED));
    if (wanfed.equals(Optional.of(false)) && (secondary || tls.configured())) {
      fail("'" + WANFED + " = false' is not supported: meshfed federates datacenters only through mesh gateways "
          + "and its servers never dial another datacenter's servers directly; remove the line or set it to true");
    }
    if (wanfed.equals(Optional.of(true)) && !enabled) {
      fail("'" + WANFED + " = true' requires 'connect.enabled = true'");
    }
    if ((wanfed.equals(Optional.of(true)) || secondary) && !tls.configured()) {
      fail((secondary ? "meshfed.datacenter = " + dc + " is a secondary of " + primaryDc
              + ", and datacenters federate through mesh gateways, which requires TLS"
              : "'" + WANFED + " = true' requires TLS")
          + ": set meshfed.tls.ca-file, cert-file and key-file (cross-DC traffic is never sent in plaintext)");
    }
    return new ServerConfig.Connect(enabled, secondary || tls.configured());
  }

  /** Body and message caps may not go below what a valid federation state or registration needs. */
  private static final long MIN_MESSAGE_BYTES = 256 * 1024;
  private static final long MAX_MESSAGE_BYTES = 64L * 1024 * 1024;

  private static ServerConfig.Limits limits(Config c) {
    ServerConfig.HttpLimits http = new ServerConfig.HttpLimits(
        connections(c, "limits.http.max-connections"), connections(c, "limits.http.max-connections-per-client"),
        positiveDuration(c, "limits.http.request-header-timeout"),
        positiveDuration(c, "limits.http.request-body-timeout"), positiveDuration(c, "limits.http.idle-timeout"),
        messageBytes(c, "limits.http.max-request-body"));
    perClientWithinTotal("limits.http", http.maxConnectionsPerClient(), http.maxConnections());
    ServerConfig.GrpcLimits grpc = new ServerConfig.GrpcLimits(
        connections(c, "limits.grpc.max-connections"), connections(c, "limits.grpc.max-connections-per-client"),
        positiveDuration(c, "limits.grpc.handshake-timeout"),
        positiveDuration(c, "limits.grpc.request-message-timeout"), positiveDuration(c, "limits.grpc.idle-timeout"),
        messageBytes(c, "limits.grpc.max-message"), integer(c, "limits.grpc.max-concurrent-streams"),
        positiveDuration(c, "limits.grpc.keepalive-interval"));
    perClientWithinTotal("limits.grpc", grpc.maxConnectionsPerClient(), grpc.maxConnections());
    if (grpc.maxConcurrentStreams() < 1 || grpc.maxConcurrentStreams() > 10_000) {
      fail("meshfed.limits.grpc.max-concurrent-streams must be 1-10000, got " + grpc.maxConcurrentStreams());
    }
    if (grpc.keepaliveInterval().compareTo(Duration.ofSeconds(1)) < 0) {
      fail("meshfed.limits.grpc.keepalive-interval must be at least 1s, got " + grpc.keepaliveInterval());
    }
    ServerConfig.ServerPortLimits serverPort = new ServerConfig.ServerPortLimits(
        connections(c, "limits.server-port.max-connections"),
        positiveDuration(c, "limits.server-port.handshake-timeout"));
    long requestBuffer = typed("limits.request-buffer", "a size like 64MiB", () -> c.getBytes("limits.request-buffer"));
    if (requestBuffer < Math.max(http.maxRequestBody(), grpc.maxMessage())) {
      fail("meshfed.limits.request-buffer (" + requestBuffer + " bytes) must hold at least one request of "
          + "limits.http.max-request-body and of limits.grpc.max-message");
    }
    return new ServerConfig.Limits(http, grpc, serverPort, requestBuffer, connections(c, "limits.blocking-reads"));
  }

  private static int connections(Config c, String path) {
    int n = integer(c, path);
    if (n < 1 || n > 1_000_000) {
      fail("meshfed." + path + " must be 1-1000000, got " + n);
    }
    return n;
  }

  private static void perClientWithinTotal(String block, int perClient, int total) {
    if (perClient > total) {
      fail("meshfed." + block + ".max-connections-per-client (" + perClient + ") must not exceed "
          + "max-connections (" + total + ")");
    }
  }

  private static long messageBytes(Config c, String path) {
    long bytes = typed(path, "a size like 1MiB", () -> c.getBytes(path));
    if (bytes < MIN_MESSAGE_BYTES || bytes > MAX_MESSAGE_BYTES) {
      fail("meshfed." + path + " must be 256KiB-64MiB (a federation state or a registration must fit), got "
          + c.getValue(path).unwrapped());
    }
    return bytes;
  }

  private static Map<String, List<String>> staticGateways(Config c) {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    Config gateways = typed("static-gateways", "an object of DC = [\"HOST:PORT\", ...]",
        () -> c.getConfig("static-gateways"));
    for (String dc : gateways.root().keySet()) {
      Names.datacenterError(dc).ifPresent(err -> fail("meshfed.static-gateways: " + err));
      List<String> addresses = typed("static-gateways." + dc, "a list of HOST:PORT",
          () -> gateways.getStringList(com.typesafe.config.ConfigUtil.quoteString(dc)));
      addresses.forEach(a -> hostPort("meshfed.static-gateways." + dc, a));
      out.put(dc, List.copyOf(addresses));
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  private static ServerConfig.FederationStates federationStates(Config c) {
    ServerConfig.FederationStates f = new ServerConfig.FederationStates(
        positiveDuration(c, "federation-states.prune-after"),
        positiveDuration(c, "federation-states.prune-check-interval"),
        positiveDuration(c, "federation-states.gateway-probe-interval"),
        positiveDuration(c, "federation-states.gateway-probe-timeout"));
    if (f.gatewayProbeTimeout().compareTo(f.gatewayProbeInterval()) > 0) {
      fail("meshfed.federation-states.gateway-probe-timeout (" + f.gatewayProbeTimeout()
          + ") must not exceed gateway-probe-interval (" + f.gatewayProbeInterval() + ")");
    }
    return f;
  }

  /** SWIM timings under {@code meshfed.wan}; the defaults are memberlist's WAN ones. */
  private static SwimSettings wan(Config c) {
    SwimSettings defaults = SwimSettings.wanDefaults();
    try {
      return new SwimSettings(positiveDuration(c, "wan.probe-interval"), positiveDuration(c, "wan.probe-timeout"),
          integer(c, "wan.indirect-checks"), integer(c, "wan.suspicion-mult"),
          integer(c, "wan.suspicion-max-timeout-mult"), integer(c, "wan.retransmit-mult"),
          positiveDuration(c, "wan.gossip-interval"), integer(c, "wan.gossip-nodes"),
          positiveDuration(c, "wan.gossip-to-the-dead-time"), positiveDuration(c, "wan.push-pull-interval"),
          positiveDuration(c, "wan.reconnect-interval"), positiveDuration(c, "wan.reconnect-timeout"),
          positiveDuration(c, "wan.tombstone-timeout"), defaults.packetBudgetBytes());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("meshfed.wan: " + e.getMessage());
    }
  }

  private static ServerConfig.Persistence persistence(Config c) {
    String journal = string(c, "persistence.journal").toLowerCase(Locale.ROOT);
    ServerConfig.Journal kind = switch (journal) {
      case "h2" -> ServerConfig.Journal.H2;
      case "postgres", "postgresql" -> ServerConfig.Journal.POSTGRES;
      default -> fail("meshfed.persistence.journal: " + Quote.single(journal) + " is not a journal; use h2 or postgres");
    };
    String url = string(c, "persistence.postgres.url");
    if (kind == ServerConfig.Journal.POSTGRES && !url.startsWith("jdbc:postgresql://")) {
      fail("meshfed.persistence.postgres.url: give a JDBC URL like jdbc:postgresql://HOST:5432/DB, got " + Quote.single(url));
    }
    return new ServerConfig.Persistence(kind, url, string(c, "persistence.postgres.user"),
        string(c, "persistence.postgres.password"));
  }

  private static ServerConfig.Tls tls(Config c) {
    String ca = string(c, "tls.ca-file");
    String cert = string(c, "tls.cert-file");
    String key = string(c, "tls.key-file");
    boolean any = !ca.isEmpty() || !cert.isEmpty() || !key.isEmpty();
    boolean all = !ca.isEmpty() && !cert.isEmpty() && !key.isEmpty();
    if (any && !all) {
      fail("meshfed.tls: ca-file, cert-file and key-file must be set together");
    }
    Path caPath = all ? readableFile("meshfed.tls.ca-file", ca) : null;
    Path certPath = all ? readableFile("meshfed.tls.cert-file", cert) : null;
    Path keyPath = all ? readableFile("meshfed.tls.key-file", key) : null;
    return new ServerConfig.Tls(caPath, certPath, keyPath, bool(c, "tls.verify-incoming"),
        bool(c, "tls.verify-outgoing"), bool(c, "tls.verify-server-hostname"), bool(c, "tls.https.verify-incoming"),
        bool(c, "tls.grpc.verify-incoming"));
  }

  private static ServerConfig.Acl acl(Config c) {
    boolean enabled = bool(c, "acl.enabled");
    String defaultText = string(c, "acl.default-policy");
    Access defaultPolicy = switch (defaultText) {
      case "deny" -> Access.DENY;
      case "allow" -> Access.WRITE;
      default -> fail("meshfed.acl.default-policy: " + Quote.single(defaultText) + " is not a policy; use deny or allow");
    };
    Map<String, Rules> policies = new java.util.HashMap<>(BuiltInPolicies.ALL);
    Config defined = typed("acl.policies", "an object of name = { rules }", () -> c.getConfig("acl.policies"));
    for (String name : defined.root().keySet()) {
      if (BuiltInPolicies.ALL.containsKey(name)) {
        fail("meshfed.acl.policies: " + Quote.single(name) + " is a built-in policy; give yours another name");
      }
      try {
        policies.put(name, Rules.parse(defined.root().get(name).unwrapped()));
      } catch (IllegalArgumentException e) {
        fail("meshfed.acl.policies." + name + ": " + e.getMessage());
      }
    }
    List<ServerConfig.Token> tokens = new ArrayList<>(tokens("meshfed.acl.tokens", policies, () -> c.getConfigList("acl.tokens")));
    String tokensFile = string(c, "acl.tokens-file");
    if (!tokensFile.isEmpty()) {
      Path file = readableFile("meshfed.acl.tokens-file", tokensFile);
      Config read;
      try {
        read = ConfigFactory.parseFile(file.toFile());
      } catch (com.typesafe.config.ConfigException e) {
        throw new ConfigException("meshfed.acl.tokens-file: " + Quote.bare(file.toString()) + " is not HOCON or JSON: "
            + e.getMessage().replace('\n', ' '));
      }
      tokens.addAll(tokens("meshfed.acl.tokens-file " + file, policies, () -> read.getConfigList("tokens")));
    }
    String replicationToken = string(c, "acl.replication-token");
    String replicationTokenFile = string(c, "acl.replication-token-file");
    if (!replicationTokenFile.isEmpty()) {
      if (!replicationToken.isEmpty()) {
        fail("meshfed.acl: give replication-token or replication-token-file, not both");
      }
      replicationToken = secretFrom("meshfed.acl.replication-token-file", replicationTokenFile);
    }
    return new ServerConfig.Acl(enabled, defaultPolicy, policies, tokens, replicationToken, c);
  }

  /**
   * The ACL settings with the files they name read again ({@code acl.tokens-file}, a token's
   * {@code secret-file}, {@code acl.replication-token-file}), for a reload.
   *
   * @throws ConfigException a file that is missing or malformed now, with the line that says so
   */
  public static ServerConfig.Acl reloadAcl(ServerConfig.Acl current) {
    return acl(current.source());
  }

  /** Tokens as {@code acl.tokens} and the tokens file list them: {@code { secret | secret-file, policy | policies }}. */
  private static List<ServerConfig.Token> tokens(String where, Map<String, Rules> policies,
      Supplier<List<? extends Config>> list) {
    List<? extends Config> raw;
    try {
      raw = list.get();
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(where + ": give tokens = [{ secret = \"...\", policies = [\"operator:read\"] }]");
    }
    List<ServerConfig.Token> tokens = new ArrayList<>();
    for (Config t : raw) {
      String secret = t.hasPath("secret") ? t.getString("secret") : "";
      if (t.hasPath("secret-file")) {
        if (!secret.isEmpty()) {
          fail(where + ": a token has both secret and secret-file; give one");
        }
        secret = secretFrom(where + ": secret-file", t.getString("secret-file"));
      }
      if (secret.isEmpty()) {
        fail(where + ": a token has no secret; give secret or secret-file");
      }
      List<String> names = new ArrayList<>();
      if (t.hasPath("policy")) {
        names.add(t.getString("policy"));
      }
      if (t.hasPath("policies")) {
        names.addAll(typed("acl.tokens.policies", "a list of policy names", () -> t.getStringList("policies")));
      }
      if (names.isEmpty()) {
        fail(where + ": a token has no policy; give policies = [NAME, ...]");
      }
      for (String name : names) {
        if (!policies.containsKey(name)) {
          fail(where + ": policy " + Quote.single(name) + " is unknown; use operator:read, operator:write, "
              + "global-management or one of meshfed.acl.policies");
        }
      }
      tokens.add(new ServerConfig.Token(secret, names));
    }
    return tokens;
  }

  /** A secret kept in a file of its own: its content without surrounding whitespace. */
  private static String secretFrom(String option, String file) {
    Path p = readableFile(option, file);
    try {
      String secret = Files.readString(p).strip();
      if (secret.isEmpty()) {
        fail(option + ": " + p + " is empty");
      }
      return secret;
    } catch (java.io.IOException e) {
      throw new ConfigException(option + ": cannot read " + p + ": " + e.getMessage());
    }
  }

  private static void checkDistinct(ServerConfig.Ports p) {
    int[] values = {p.server(), p.lan(), p.http(), p.grpc(), p.https(), p.grpcTls()};
    String[] names = {"server", "lan", "http", "grpc", "https", "grpc-tls"};
    for (int i = 0; i < values.length; i++) {
      for (int j = i + 1; j < values.length; j++) {
        if (values[i] > 0 && values[i] == values[j]) {
          fail("meshfed.ports." + names[i] + " and meshfed.ports." + names[j] + " are both " + values[i]
              + ": each port needs its own number");
        }
      }
    }
  }

  /** Validates {@code HOST:PORT}; used for addresses given in configuration and flags. */
  public static void hostPort(String option, String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      fail(option + ": " + Quote.single(value) + " is not HOST:PORT");
    }
    try {
      int port = Integer.parseInt(value.substring(colon + 1));
      if (port < 1 || port > 65535) {
        fail(option + ": port " + port + " in " + Quote.single(value) + " is outside 1-65535");
      }
    } catch (NumberFormatException e) {
      fail(option + ": " + Quote.single(value) + " is not HOST:PORT");
    }
  }

  private static Path readableFile(String option, String value) {
    Path p = Path.of(value).toAbsolutePath();
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      fail(option + ": " + Quote.bare(p.toString()) + " does not exist or is not readable");
    }
    return p;
  }

  /**
   * A fresh path under the temp dir for a {@code --dev} server. Nothing is created here: the server
   * creates it when it starts and deletes it when it stops, so a configuration that is only loaded
   * (validated, tested) leaves nothing behind.
   */
  private static Path devDataDir() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    while (true) {
      Path candidate = tmp.resolve("meshfed-dev-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()));
      if (!Files.exists(candidate)) {
        return candidate;
      }
    }
  }

  private static String localHostName() {
    try {
      String host = InetAddress.getLocalHost().getHostName();
      return Names.nodeNameError(host).isEmpty() ? host : "node1";
    } catch (IOException e) {
      return "node1";
    }
  }

  private static int port(Config c, String path) {
    int p = integer(c, path);
    if (p < 0 || p > 65535) {
      fail("meshfed." + path + ": " + p + " is outside 0-65535");
    }
    return p;
  }

  private static void requireTlsFor(String port, int number, ServerConfig.Tls tls) {
    if (number != ServerConfig.Ports.OFF && !tls.configured()) {
      fail("meshfed.ports." + port + " needs the server's certificate: set meshfed.tls.ca-file, cert-file and "
          + "key-file, or leave the port at -1 (off)");
    }
  }

  /** A port that may be off: -1 (off), or 0-65535 as {@link #port}. */
  private static int optionalPort(Config c, String path) {
    int p = integer(c, path);
    if (p < ServerConfig.Ports.OFF || p > 65535) {
      fail("meshfed." + path + ": " + p + " is outside 0-65535 (or -1 for off)");
    }
    return p;
  }

  /** {@code port}, or for 0 a port free now that is none of {@code taken}. */
  private static int concretePort(int port, Set<Integer> taken) {
    if (port != 0) {
      return port;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (!taken.contains(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new ConfigException("cannot find a free port: " + e.getMessage());
      }
    }
    throw new ConfigException("cannot find a free port that no other listener of this server is given");
  }

  /**
   * The removal margin: a failed server's singletons start elsewhere this long after it is removed.
   * Longer than the failure timeout, it would only delay a fail-over; shorter than about a second
   * (the split-brain resolver decides once a second), a server cut off on its own side might not yet
   * have stopped the store when another one starts it (docs/decisions/0020).
   */
  private static Duration removalMargin(Config c, Duration failureTimeout) {
    if (c.getIsNull("lan.removal-margin")) {
      return DEFAULT_REMOVAL_MARGIN.compareTo(failureTimeout) < 0 ? DEFAULT_REMOVAL_MARGIN : failureTimeout;
    }
    Duration margin = positiveDuration(c, "lan.removal-margin");
    if (margin.compareTo(MIN_REMOVAL_MARGIN) < 0 || margin.compareTo(failureTimeout) > 0) {
      fail("meshfed.lan.removal-margin = " + c.getValue("lan.removal-margin").unwrapped() + " must be within 1s and "
          + "lan.failure-timeout (" + c.getValue("lan.failure-timeout").unwrapped() + ")");
    }
    return margin;
  }

  static final Duration DEFAULT_REMOVAL_MARGIN = Duration.ofMillis(2500);
  private static final Duration MIN_REMOVAL_MARGIN = Duration.ofSeconds(1);

  private static Duration positiveDuration(Config c, String path) {
    Duration d = typed(path, "a duration like 30s", () -> c.getDuration(path));
    if (d.isNegative() || d.isZero()) {
      fail("meshfed." + path + " must be positive, got " + c.getValue(path).unwrapped());
    }
    return d;
  }

  /** The hold is spent from a call's own deadline, so a longer one would be cut short without a word. */
  private static Duration rpcHoldTimeout(Config c) {
    String path = "lan.rpc-hold-timeout";
    Duration d = typed(path, "a duration like 7s", () -> c.getDuration(path));
    if (d.isNegative() || d.compareTo(StoreClient.CALL_TIMEOUT) > 0) {
      fail("meshfed." + path + " = " + c.getValue(path).unwrapped() + " must be within 0s and "
          + StoreClient.CALL_TIMEOUT.toSeconds() + "s, the deadline of a call to the DC state store");
    }
    return d;
  }

  private static String string(Config c, String path) {
    return typed(path, "a string", () -> c.getString(path)).trim();
  }

  private static int integer(Config c, String path) {
    return typed(path, "a whole number", () -> c.getInt(path));
  }

  private static boolean bool(Config c, String path) {
    return typed(path, "true or false", () -> c.getBoolean(path));
  }

  private static List<String> strings(Config c, String path) {
    return List.copyOf(typed(path, "a list of strings", () -> c.getStringList(path)));
  }

  private static <T> T typed(String path, String expected, Supplier<T> read) {
    try {
      return read.get();
    } catch (WrongType | com.typesafe.config.ConfigException.BadValue e) {
      throw new ConfigException("meshfed." + path + ": expected " + expected);
    } catch (com.typesafe.config.ConfigException.Null e) {
      // `key = null` in a file replaces the default, so reading it fails as no other value does.
      throw new ConfigException("meshfed." + path + ": expected " + expected + ", not null");
    }
  }

  private static <T> T fail(String message) {
    throw new ConfigException(message);
  }
}
