package io.meshfed.bench;

import java.net.InetSocketAddress;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bench/target/meshfed-bench.jar <command>}; exit codes 0 ok, 1 failed, 2 usage. */
@Command(name = "meshfed-bench", mixinStandardHelpOptions = true,
    description = "TLS client and server for comparing the meshfed gateway with HAProxy (bench/gateway.sh).",
    subcommands = {CertsCommand.class, ServerCommand.class, ClientCommand.class, ProbeCommand.class,
        FreePortsCommand.class, SummaryCommand.class})
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new BenchMain())
        .setCaseInsensitiveEnumValuesAllowed(true)
        // A script's defaults go first and its user's flags after them: the last one counts.
        .setOverwrittenOptionsAllowed(true)
        .registerConverter(InetSocketAddress.class, new HostPort());
    System.exit(commandLine.execute(args));
  }
}
