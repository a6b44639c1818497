package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  /** Nothing listens on port 1, so reaching the network shows up as "connection refused". */
  private static final String UNREACHABLE = "--http-addr=127.0.0.1:1";

  @TempDir
  Path dir;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void versionAndHelpExitZero() {
    CliRun version = run("--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).isEqualTo("meshfed " + io.meshfed.protocol.version.Versions.RELEASE + "\n");
    CliRun help = run("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("federation-state", "catalog", "members", "demo");
    assertThat(run("federation-state", "apply", "--help").out()).contains("--http-addr", "--token", "--format");
  }

  @Test
  void versionNamesTheReleaseAndEveryProtocolVersion() throws Exception {
    CliRun text = run("version");
    assertThat(text.exit()).isZero();
    assertThat(text.out()).startsWith("meshfed " + io.meshfed.protocol.version.Versions.RELEASE + "\n")
        .contains("  gossip        1   (WAN membership; understands 1)\n",
            "  internal RPC  1   (ALPN meshfed/rpc; understands 1)\n",
            "  journal       " + io.meshfed.protocol.version.Versions.JOURNAL + "   (the store's events and snapshots; reads 1-",
            "  snapshot      1   (meshfed snapshot files; reads 1)\n",
            "  API           v1  (HTTP /v1/..., gRPC meshfed.v1)\n", "Apache Pekko 1.2.1");
    CliRun json = run("version", "--format", "json");
    assertThat(json.exit()).isZero();
    com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
    assertThat(tree.get("Version").asText()).isEqualTo(io.meshfed.protocol.version.Versions.RELEASE);
    assertThat(tree.at("/Protocols/Gossip/Max").asInt()).isEqualTo(1);
    assertThat(tree.at("/Protocols/InternalRpc/Alpn").asText()).isEqualTo("meshfed/rpc");
    assertThat(tree.at("/Protocols/Journal/Max").asInt()).isEqualTo(io.meshfed.protocol.version.Versions.JOURNAL);
    run("version", "--format", "xml").isOneErrorLine("Error: --format must be text or json, not \"xml\""
        + " (see 'meshfed version --help')");
  }

  @Test
  void unknownOptionIsAUsageErrorOnOneLine() {
    run("federation-state", "list", "--bogus")
        .isOneErrorLine("Error: Unknown option: '--bogus' (see 'meshfed federation-state list --help')");
    assertThat(run("federation-state", "list", "--bogus").exit()).isEqualTo(2);
  }

  @Test
  void anUnknownLogFormatIsAUsageErrorOnOneLine() {
    CliRun server = run("server", "--dev", "--log-format", "xml");
    assertThat(server.exit()).isEqualTo(2);
    server.isOneErrorLine("Error: Invalid value for option '--log-format': expected one of [text, json]"
        + " (case-sensitive) but was 'xml' (see 'meshfed server --help')");
    assertThat(run("gateway", "--datacenter", "dc1", "--log-format", "JSON").exit()).isEqualTo(2);
  }

  @Test
  void missingSubcommandOrParameterIsAUsageError() {
    CliRun none = run();
    assertThat(none.exit()).isEqualTo(2);
    none.isOneErrorLine("Error: Missing required subcommand (see 'meshfed --help')");
    CliRun group = run("catalog");
    assertThat(group.exit()).isEqualTo(2);
    group.isOneErrorLine("Error: Missing required subcommand (see 'meshfed catalog --help')");
    CliRun get = run("federation-state", "get");
    assertThat(get.exit()).isEqualTo(2);
    get.isOneErrorLine("Error: Missing required parameter: 'DC' (see 'meshfed federation-state get --help')");
    assertThat(run("nosuch").exit()).isEqualTo(2);
  }

  @Test
  void colocateRunsOnlyServersAndGateways() {
    for (String[] bad : new String[][] {{"colocate"}, {"colocate", "members"},
        {"colocate", "server", "--dev", "::", "demo"}, {"colocate", "server", "--dev", "::"}}) {
      CliRun r = run(bad);
      assertThat(r.exit()).as(Arrays.toString(bad)).isEqualTo(2);
      assertThat(r.err()).as(Arrays.toString(bad)).startsWith("Error: each colocated command must start with server"
          + " or gateway, got ").hasLineCount(1);
    }
    // Checked before anything starts: no dev server is left running in this JVM.
    CliRun bad = run("colocate", "server", "--dev", "::", "gateway", "--datacenter", "dc1", "--no-such-option");
    assertThat(bad.exit()).isEqualTo(2);
    bad.isOneErrorLine("Error: colocated command 2 (gateway): Unknown option: '--no-such-option' (see 'meshfed"
        + " gateway --help')");
  }

  @Test
  void badHttpAddrIsAUsageError() {
    for (String bad : new String[] {"localhost", "host:0", "host:70000", ":8500", "host:x", "::1:8500"}) {
      CliRun r = run("members", "--http-addr", bad);
      assertThat(r.exit()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).startsWith("Error: Invalid value for option '--http-addr': ").hasLineCount(1);
    }
  }

  @Test
  void badFormatIsAUsageError() {
    CliRun r = run("catalog", "services", "--format", "xml");
    assertThat(r.exit()).isEqualTo(2);
    r.isOneErrorLine("Error: Invalid value for option '--format': expected table or json, got 'xml'"
        + " (see 'meshfed catalog services --help')");
  }

  @Test
  void connectionRefusedIsAnErrorOnOneLine() {
    CliRun r = run("federation-state", "list", UNREACHABLE);
    assertThat(r.exit()).isEqualTo(1);
    r.isOneErrorLine("Error: cannot connect to the meshfed HTTP API at 127.0.0.1:1 (connection refused):"
        + " is a server running? (--http-addr)");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void everyClientCommandReachesTheApi() {
    String[][] commands = {
        {"federation-state", "list"}, {"federation-state", "get", "dc2"}, {"federation-state", "delete", "dc2"},
        {"catalog", "services", "--kind", "mesh-gateway"}, {"members", "--wan", "--format=json"},
        {"federation-state", "rollout", "--remove", "gw1a", "--wait", "1s"},
        {"federation-state", "delete", "--decommission", "dc2"}, {"federation-state", "recommission", "dc2"},
        {"force-leave", "--wan", "--prune", "n3.dc3"}, {"force-leave", "n3"},
    };
    for (String[] command : commands) {
      String[] args = Arrays.copyOf(command, command.length + 1);
      args[command.length] = UNREACHABLE;
      CliRun r = run(args);
      assertThat(r.exit()).as(String.join(" ", command)).isEqualTo(1);
      assertThat(r.err()).as(String.join(" ", command)).contains("connection refused").hasLineCount(1);
    }
  }

  @Test
  void rolloutOptionsAreCheckedBeforeConnecting() {
    CliRun force = run("federation-state", "rollout", "--force", UNREACHABLE);
    assertThat(force.exit()).isEqualTo(2);
    force.isOneErrorLine("Error: --force only applies with --remove GATEWAY "
        + "(see 'meshfed federation-state rollout --help')");
    CliRun wait = run("federation-state", "rollout", "--wait", "soon", UNREACHABLE);
    assertThat(wait.exit()).isEqualTo(2);
    wait.isOneErrorLine("Error: --wait must be a duration such as 30s or 2m, got 'soon' "
        + "(see 'meshfed federation-state rollout --help')");
  }

  @Test
  void applyOfAMissingFileFailsBeforeConnecting() {
    Path file = dir.resolve("s.json");
    CliRun r = run("federation-state", "apply", file.toString(), UNREACHABLE);
    assertThat(r.exit()).isEqualTo(1);
    r.isOneErrorLine("Error: federation state file " + file + ": no such file");
  }

  @Test
  void applyOfInvalidJsonFailsBeforeConnecting() throws Exception {
    Path file = Files.writeString(dir.resolve("s.json"), "{\"Datacenter\": \"dc2\",");
    CliRun r = run("federation-state", "apply", file.toString(), UNREACHABLE);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("Error: federation state file " + file + ": not valid JSON: ")
        .hasLineCount(1).doesNotContain("connect", "Source");
  }

  @Test
  void applyWithoutDatacenterFailsBeforeConnecting() throws Exception {
    Path file = Files.writeString(dir.resolve("s.json"), "{\"MeshGateways\": []}");
    CliRun r = run("federation-state", "apply", file.toString(), UNREACHABLE);
    assertThat(r.exit()).isEqualTo(1);
    r.isOneErrorLine("Error: federation state file " + file + ": missing \"Datacenter\"");
  }

  @Test
  void applyOfAValidFileGoesOnToTheApi() throws Exception {
    Path file = Files.writeString(dir.resolve("s.json"), "{\"Datacenter\": \"dc2\", \"Unknown\": 1}");
    CliRun r = run("federation-state", "apply", file.toString(), UNREACHABLE);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("connection refused");
  }

  @Test
  void demoValidatesItsOptions() {
    for (String bad : new String[] {"0", "10", "x"}) {
      CliRun r = run("demo", "--datacenters", bad);
      assertThat(r.exit()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).startsWith("Error: ").hasLineCount(1);
    }
    run("demo", "--datacenters=10").isOneErrorLine("Error: --datacenters must be 1 to 9, got 10 (see 'meshfed demo --help')");
    CliRun forever = run("demo", "--for", "soon");
    assertThat(forever.exit()).isEqualTo(2);
    forever.isOneErrorLine("Error: --for must be a positive duration such as 60s or 5m, got 'soon' (see 'meshfed demo --help')");
  }

  @Test
  void demoNeedsTheRunnableJar() {
    // Tests load the classes from a directory: the demo cannot start children of "this jar".
    CliRun r = run("demo", "--datacenters", "1", "--for", "1s");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("Error: meshfed demo starts its processes from the runnable jar").hasLineCount(1);
  }
}
