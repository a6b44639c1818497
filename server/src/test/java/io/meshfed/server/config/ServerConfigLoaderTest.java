package io.meshfed.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.server.acl.Access;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerConfigLoaderTest {
  @TempDir Path dir;

  private Path file(String hocon) throws IOException {
    Path f = dir.resolve("server.conf");
    Files.writeString(f, hocon);
    return f;
  }

  private ServerConfig load(String hocon) throws IOException {
    return ServerConfigLoader.load(Optional.of(file(hocon)), false, Map.of());
  }

  @Test
  void devModeNeedsNothingAndPicksFreePorts() {
    ServerConfig c = ServerConfigLoader.load(Optional.empty(), true, Map.of());
    assertThat(c.datacenter()).isEqualTo("dc1");
    assertThat(c.primaryDatacenter()).isEqualTo("dc1");
    assertThat(c.ports().http()).isZero();
    assertThat(c.ports().server()).isPositive();
    assertThat(c.ephemeralDataDir()).isTrue();
    // only a path: the server creates it when it starts, and loading leaves nothing behind
    assertThat(c.dataDir()).doesNotExist();
    assertThat(c.dataDir().getFileName().toString()).startsWith("meshfed-dev-");
    assertThat(c.persistence().journal()).isEqualTo(ServerConfig.Journal.H2);
    assertThat(c.wan()).isEqualTo(io.meshfed.actors.wan.swim.SwimSettings.wanDefaults());
    // without TLS a DC is alone: nothing crosses DCs in plaintext
    assertThat(c.connect().federates()).isFalse();
  }

  /**
   * meshfed federates only through mesh gateways: the Consul switch may say so or be left out, and
   * may say false only where nothing federates (a primary without TLS).
   */
  @Test
  void theFederationSwitchOnlyDescribesWhatMeshfedDoes() throws IOException {
    String tls = "tls { ca-file = /etc/hostname, cert-file = /etc/hostname, key-file = /etc/hostname }";
    assertThat(load("meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, "
        + "connect.enable-mesh-gateway-wan-federation = false }").connect().federates()).isFalse();
    assertThat(load("meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, " + tls + ", "
        + "connect { enabled = true, enable-mesh-gateway-wan-federation = true } }").connect().federates()).isTrue();
    assertThat(load("meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, " + tls + " }")
        .connect().federates()).isTrue();
    // a secondary's way to the primary may be a route set by hand
    ServerConfig secondary = load("meshfed { datacenter = dc2, primary-datacenter = dc1, data-dir = /tmp/x, " + tls
        + ", static-gateways.dc1 = [\"10.1.0.1:8443\"] }");
    assertThat(secondary.connect().federates()).isTrue();
    assertThat(secondary.primaryGateways()).isEmpty();
  }

  @Test
  void aclPoliciesAndTheTokensThatNameThem() throws IOException {
    Path f = file("""
        meshfed {
          datacenter = dc1, primary-datacenter = dc1, data-dir = "%s"
          acl {
            enabled = true, default-policy = allow
            policies { gateways { node_prefix { "gw-" { policy = write } }, service { mesh-gateway { policy = write } } } }
            tokens = [ { secret = a, policies = [gateways, "operator:read"] }, { secret = b, policy = "operator:write" } ]
          }
        }
        """.formatted(dir.resolve("data")));
    ServerConfig.Acl acl = ServerConfigLoader.load(Optional.of(f), false, Map.of()).acl();
    assertThat(acl.defaultPolicy()).isEqualTo(Access.WRITE);
    assertThat(acl.policies()).containsOnlyKeys("gateways", "operator:read", "operator:write", "global-management");
    assertThat(acl.policies().get("gateways").nodePrefix()).containsExactly(Map.entry("gw-", Access.WRITE));
    assertThat(acl.tokens()).containsExactly(new ServerConfig.Token("a", java.util.List.of("gateways", "operator:read")),
        new ServerConfig.Token("b", java.util.List.of("operator:write")));
  }

  /** Secrets kept in files of their own, so that they stay out of the config and can be replaced on disk. */
  @Test
  void tokensAndTheReplicationTokenMayComeFromFiles() throws IOException {
    Files.writeString(dir.resolve("tokens.hocon"), """
        tokens = [ { secret-file = "%s", policy = "operator:write" } ]
        """.formatted(Files.writeString(dir.resolve("gw-secret"), "gw-secret-value\n")));
    Files.writeString(dir.resolve("replication"), "  repl-secret \n");
    Path f = file("""
        meshfed {
          datacenter = dc1, primary-datacenter = dc1, data-dir = "%s"
          acl {
            enabled = true
            tokens = [ { secret = a, policy = "operator:read" } ]
            tokens-file = "%s"
            replication-token-file = "%s"
          }
        }
        """.formatted(dir.resolve("data"), dir.resolve("tokens.hocon"), dir.resolve("replication")));
    ServerConfig.Acl acl = ServerConfigLoader.load(Optional.of(f), false, Map.of()).acl();
    assertThat(acl.tokens()).containsExactly(new ServerConfig.Token("a", java.util.List.of("operator:read")),
        new ServerConfig.Token("gw-secret-value", java.util.List.of("operator:write")));
    assertThat(acl.replicationToken()).isEqualTo("repl-secret");
    // Nothing that prints the configuration prints a secret.
    assertThat(acl.toString()).doesNotContain("gw-secret-value", "repl-secret", "secret = a")
        .contains("replicationToken=(set)");
  }

  @Test
  void lanFailOverSettings() throws IOException {
    String base = "meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = \"%s\", lan { %s } }";
    String data = dir.resolve("data").toString();
    assertThat(load(base.formatted(data, "")).lanRemovalMargin()).isEqualTo(Duration.ofMillis(2500));
    assertThat(load(base.formatted(data, "")).lanCrashProbe()).isTrue();
    assertThat(load(base.formatted(data, "crash-probe = false")).lanCrashProbe()).isFalse();
    assertThat(load(base.formatted(data, "failure-timeout = 2s")).lanRemovalMargin()).isEqualTo(Duration.ofSeconds(2));
    assertThat(load(base.formatted(data, "removal-margin = 4s")).lanRemovalMargin()).isEqualTo(Duration.ofSeconds(4));
    assertThatThrownBy(() -> load(base.formatted(data, "failure-timeout = 2s, removal-margin = 3s")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("meshfed.lan.removal-margin = 3s must be within 1s and lan.failure-timeout (2s)");
    assertThatThrownBy(() -> load(base.formatted(data, "removal-margin = 500ms")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("meshfed.lan.removal-margin = 500ms must be within 1s and lan.failure-timeout (5s)");
    assertThat(load(base.formatted(data, "")).lanRpcHoldTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(load(base.formatted(data, "rpc-hold-timeout = 0s")).lanRpcHoldTimeout()).isZero();
    for (String bad : java.util.List.of("-1s", "11s")) {
      assertThatThrownBy(() -> load(base.formatted(data, "rpc-hold-timeout = " + bad)))
          .isInstanceOf(ConfigException.class)
          .hasMessage("meshfed.lan.rpc-hold-timeout = " + bad + " must be within 0s and 10s, the deadline of a call "
              + "to the DC state store");
    }
  }

  @Test
  void fileValuesAndFlagOverrides() throws IOException {
    Path f = file("""
        meshfed {
          datacenter = dc2
          primary-datacenter = dc1
          node-name = "n1.example.com"
          data-dir = "%s"
          ports { http = 9500 }
          primary-gateways = ["gw.dc1.example:8443"]
          tls { ca-file = "%2$s", cert-file = "%2$s", key-file = "%2$s" }
        }
        """.formatted(dir.resolve("data"), Files.writeString(dir.resolve("pem"), "checked at start, not here")));
    ServerConfig c = ServerConfigLoader.load(Optional.of(f), false, Map.of("ports.grpc", 9502));
    assertThat(c.nodeName()).isEqualTo("n1.example.com");
    assertThat(c.ports().http()).isEqualTo(9500);
    assertThat(c.ports().grpc()).isEqualTo(9502);
    assertThat(c.ports().server()).isEqualTo(8300);
    assertThat(c.ports().https()).isEqualTo(ServerConfig.Ports.OFF);
    assertThat(c.ports().grpcTls()).isEqualTo(ServerConfig.Ports.OFF);
    assertThat(c.tls().httpsVerifyIncoming()).isFalse();
    assertThat(c.tls().grpcVerifyIncoming()).isFalse();
    assertThat(c.isPrimary()).isFalse();
    assertThat(c.connect().federates()).isTrue();
    assertThat(c.primaryGateways()).containsExactly("gw.dc1.example:8443");
    assertThat(c.staticGateways()).isEmpty();
    ServerConfig withGateways = ServerConfigLoader.load(Optional.of(f), false,
        Map.of("static-gateways.dc3", java.util.List.of("10.3.0.1:8443", "10.3.0.2:8443")));
    assertThat(withGateways.staticGateways()).containsEntry("dc3", java.util.List.of("10.3.0.1:8443", "10.3.0.2:8443"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown key|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, portz = 1 }|unknown configuration key 'meshfed.portz'",
      "no primary|meshfed { datacenter = dc1, data-dir = /tmp/x }|meshfed.primary-datacenter is not set",
      "no data dir|meshfed { datacenter = dc1, primary-datacenter = dc1 }|meshfed.data-dir is not set",
      "bad dc|meshfed { datacenter = DC.1, primary-datacenter = dc1, data-dir = /tmp/x }|meshfed.datacenter: invalid datacenter name 'DC.1'",
      "slash node|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, node-name = \"a/b\" }|meshfed.node-name: invalid node name 'a/b': it must not contain '/'",
      "port type|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, ports.http = abc }|meshfed.ports.http: expected a whole number",
      "port range|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, ports.http = 70000 }|meshfed.ports.http: 70000 is outside 0-65535",
      "same ports|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, ports.http = 9000, ports.grpc = 9000 }|meshfed.ports.http and meshfed.ports.grpc are both 9000",
      "https without tls|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, ports.https = 8501 }|meshfed.ports.https needs the server's certificate: set meshfed.tls.ca-file, cert-file and key-file, or leave the port at -1 (off)",
      "grpc-tls without tls|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, ports.grpc-tls = 0 }|meshfed.ports.grpc-tls needs the server's certificate",
      "tls port range|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, ports.https = -2 }|meshfed.ports.https: -2 is outside 0-65535 (or -1 for off)",
      "same tls port|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, ports.grpc-tls = 8500 }|meshfed.ports.http and meshfed.ports.grpc-tls are both 8500",
      "https verify type|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, tls.https.verify-incoming = maybe }|meshfed.tls.https.verify-incoming",
      "journal|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, persistence.journal = mysql }|meshfed.persistence.journal: 'mysql' is not a journal",
      "pg url|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, persistence.journal = postgres }|meshfed.persistence.postgres.url: give a JDBC URL",
      "minority|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, persistence { journal = postgres, postgres.url = \"jdbc:postgresql://db/m\" }, retry-join = [\"10.0.0.2:8301\", \"10.0.0.3:8301\"] }|meshfed.bootstrap-expect = 1 is not a majority of the 3 servers this DC names (retry-join and this one): a minority could elect a leader of its own; set it to at least 2",
      "multi on h2|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, bootstrap-expect = 3 }|a multi-server DC needs a shared journal",
      "wanfed no connect|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, connect.enable-mesh-gateway-wan-federation = true }|'connect.enable-mesh-gateway-wan-federation = true' requires 'connect.enabled = true'",
      "wanfed no tls|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, connect { enabled = true, enable-mesh-gateway-wan-federation = true } }|requires TLS",
      "gateways in primary|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, primary-gateways = [\"a:1\"] }|'primary-gateways' should only be configured in a secondary datacenter",
      "retry-join-wan|meshfed { datacenter = dc2, primary-datacenter = dc1, data-dir = /tmp/x, retry-join-wan = [\"10.0.0.1:8300\"] }|meshfed.retry-join-wan is not supported: meshfed servers never dial another datacenter's servers directly, and a secondary joins the WAN through the primary's mesh gateways: list their WAN addresses in meshfed.primary-gateways instead",
      "wanfed off in a secondary|meshfed { datacenter = dc2, primary-datacenter = dc1, data-dir = /tmp/x, primary-gateways = [\"a:1\"], connect.enable-mesh-gateway-wan-federation = false }|'connect.enable-mesh-gateway-wan-federation = false' is not supported: meshfed federates datacenters only through mesh gateways and its servers never dial another datacenter's servers directly; remove the line or set it to true",
      "wanfed off with tls|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, tls { ca-file = /etc/hostname, cert-file = /etc/hostname, key-file = /etc/hostname }, connect.enable-mesh-gateway-wan-federation = false }|'connect.enable-mesh-gateway-wan-federation = false' is not supported",
      "secondary without tls|meshfed { datacenter = dc2, primary-datacenter = dc1, data-dir = /tmp/x, primary-gateways = [\"a:1\"] }|meshfed.datacenter = dc2 is a secondary of dc1, and datacenters federate through mesh gateways, which requires TLS: set meshfed.tls.ca-file, cert-file and key-file (cross-DC traffic is never sent in plaintext)",
      "secondary without a path|meshfed { datacenter = dc2, primary-datacenter = dc1, data-dir = /tmp/x, tls { ca-file = /etc/hostname, cert-file = /etc/hostname, key-file = /etc/hostname }, static-gateways.dc3 = [\"a:1\"] }|meshfed.datacenter = dc2 is a secondary of dc1 but names no way to reach it: set meshfed.primary-gateways to the WAN addresses (HOST:PORT) of dc1's mesh gateways",
      "wan timings|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, wan { probe-interval = 1s, probe-timeout = 2s } }|meshfed.wan: probeTimeout must be shorter than probeInterval",
      "gateway addr|meshfed { datacenter = dc2, primary-datacenter = dc1, data-dir = /tmp/x, primary-gateways = [\"nohost\"] }|meshfed.primary-gateways: 'nohost' is not HOST:PORT",
      "tls partial|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, tls.ca-file = /x }|ca-file, cert-file and key-file must be set together",
      "acl policy|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl.tokens = [{secret = s, policy = \"root\"}] }|policy 'root' is unknown",
      "acl default|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl.default-policy = maybe }|meshfed.acl.default-policy: 'maybe' is not a policy; use deny or allow",
      "acl built-in|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl.policies { \"operator:read\" { operator = write } } }|meshfed.acl.policies: 'operator:read' is a built-in policy; give yours another name",
      "acl rules|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl.policies { gw { key = write } } }|meshfed.acl.policies.gw: rules: unknown resource 'key'; use operator, acl, node, node_prefix, service or service_prefix",
      "acl tokens file|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl.tokens-file = /nonexistent/tokens }|meshfed.acl.tokens-file: /nonexistent/tokens does not exist or is not readable",
      "acl both replication tokens|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl { replication-token = x, replication-token-file = /etc/hostname } }|meshfed.acl: give replication-token or replication-token-file, not both",
      "acl no secret|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl.tokens = [{policy = \"operator:read\"}] }|meshfed.acl.tokens: a token has no secret; give secret or secret-file",
      "acl no policy|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl.tokens = [{secret = s}] }|meshfed.acl.tokens: a token has no policy; give policies = [NAME, ...]",
      "acl unknown name|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, acl.tokens = [{secret = s, policies = [gw]}] }|meshfed.acl.tokens: policy 'gw' is unknown; use operator:read, operator:write, global-management or one of meshfed.acl.policies",
      "duration|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, retry-interval-wan = soon }|meshfed.retry-interval-wan: expected a duration",
      "syntax|meshfed { datacenter = |--config-file",
      "append to a default|meshfed { primary-datacenter = dc1, data-dir = /tmp/x, datacenter += dc1 }|.conf: 1: meshfed.datacenter: a substitution (+= or ${...}) does not combine with the default value it refers to (Cannot concatenate",
      "static gateway dc|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, static-gateways { DC2 = [\"a:1\"] } }|meshfed.static-gateways: invalid datacenter name 'DC2'",
      "static gateway addr|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, static-gateways { dc2 = [\"a\"] } }|meshfed.static-gateways.dc2: 'a' is not HOST:PORT",
      "static gateway type|meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, static-gateways = 3 }|meshfed.static-gateways: expected an object",
  })
  void badConfigIsOneClearLine(String name, String hocon, String expected) {
    assertThatThrownBy(() -> load(hocon))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(expected)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void missingConfigFile() {
    assertThatThrownBy(() -> ServerConfigLoader.load(Optional.of(dir.resolve("nope.conf")), false, Map.of()))
        .hasMessageContaining("--config-file").hasMessageContaining("no such file");
  }
}
