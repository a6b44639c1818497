package io.meshfed.cli.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.cli.http.Json;
import io.meshfed.protocol.names.WireConstants;
import io.meshfed.protocol.version.ProtocolRange;
import io.meshfed.protocol.version.Versions;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshfed version}: this build's release and the protocol versions it speaks, which decide
 * what it federates with (docs/upgrading.md). Local: it asks no server; {@code meshfed members}
 * shows what each running server is.
 */
@Command(name = "version", mixinStandardHelpOptions = true,
    description = "Print this build's release and the protocol versions it speaks and understands.")
public final class VersionCommand implements Runnable {
  @Spec
  private CommandSpec spec;

  @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
      description = "Output format: text or json.")
  private String format;

  /** The first line, also what {@code meshfed --version} prints. */
  static String headline() {
    return "meshfed " + Versions.RELEASE;
  }

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    switch (format) {
      case "text" -> out.print(text());
      case "json" -> out.print(Json.pretty(json()) + "\n");
      default -> throw new CommandLine.ParameterException(spec.commandLine(),
          "--format must be text or json, not \"" + format + "\"");
    }
  }

  static String text() {
    return headline() + "\n"
        + row("gossip", Integer.toString(Versions.GOSSIP.max()), "WAN membership; understands " + Versions.GOSSIP)
        + row("internal RPC", Integer.toString(Versions.RPC.max()),
            "ALPN " + WireConstants.ALPN_RPC + "; understands " + Versions.RPC)
        + row("journal", Integer.toString(Versions.JOURNAL),
            "the store's events and snapshots; reads " + new ProtocolRange(1, Versions.JOURNAL))
        + row("snapshot", Integer.toString(Versions.SNAPSHOT_FILE),
            "meshfed snapshot files; reads " + new ProtocolRange(1, Versions.SNAPSHOT_FILE))
        + row("API", "v" + Versions.API, "HTTP /v" + Versions.API + "/..., gRPC meshfed.v" + Versions.API)
        + "runs on Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor")
        + "), Apache Pekko " + org.apache.pekko.Version.current() + "\n";
  }

  private static String row(String name, String speaks, String note) {
    return String.format("  %-13s %-3s (%s)%n", name, speaks, note);
  }

  static String json() {
    ObjectNode root = io.meshfed.protocol.model.Json.mapper().createObjectNode();
    root.put("Version", Versions.RELEASE);
    ObjectNode protocols = root.putObject("Protocols");
    range(protocols.putObject("Gossip"), Versions.GOSSIP);
    range(protocols.putObject("InternalRpc"), Versions.RPC).put("Alpn", WireConstants.ALPN_RPC);
    range(protocols.putObject("Journal"), new ProtocolRange(1, Versions.JOURNAL));
    range(protocols.putObject("SnapshotFile"), new ProtocolRange(1, Versions.SNAPSHOT_FILE));
    protocols.put("Api", Versions.API);
    root.put("Java", Runtime.version().toString());
    root.put("Pekko", org.apache.pekko.Version.current());
    return root.toString();
  }

  private static ObjectNode range(ObjectNode node, ProtocolRange range) {
    node.put("Speaks", range.max());
    node.put("Min", range.min());
    node.put("Max", range.max());
    return node;
  }

  /** {@code meshfed --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {headline()};
    }
  }
}
