package io.meshfed.cli.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a local multi-datacenter federation on loopback.")
public final class DemoCommand implements Runnable {
  static final int MIN_DATACENTERS = 2;
  static final int MAX_DATACENTERS = 9;

  @Spec
  private CommandSpec spec;

  // Only validated until the demo exists, so that scripts written against it fail the same way now.
  @Option(names = "--datacenters", paramLabel = "N", defaultValue = "3",
      description = "Number of datacenters, " + MIN_DATACENTERS + " to " + MAX_DATACENTERS + " (default: ${DEFAULT-VALUE}).")
  void validateDatacenters(int n) {
    if (n < MIN_DATACENTERS || n > MAX_DATACENTERS) {
      throw new ParameterException(spec.commandLine(),
          "--datacenters must be " + MIN_DATACENTERS + " to " + MAX_DATACENTERS + ", got " + n);
    }
  }

  @Override
  public void run() {
    spec.commandLine().getOut().println("meshfed demo: a local multi-DC federation arrives with the end-to-end"
        + " issue; for now run 'bin/meshfed server --dev'");
  }
}
