package io.meshfed.cli;

import io.meshfed.cli.command.CatalogCommand;
import io.meshfed.cli.command.ServerCommand;
import io.meshfed.cli.command.DemoCommand;
import io.meshfed.cli.command.FederationStateCommand;
import io.meshfed.cli.command.GatewayCommand;
import io.meshfed.cli.command.MembersCommand;
import io.meshfed.cli.command.OperatorCommand;
import io.meshfed.cli.command.ReloadCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code meshfed} command. Exit codes: 0 ok, 1 error, 2 usage. */
@Command(
    name = "meshfed",
    mixinStandardHelpOptions = true,
    versionProvider = io.meshfed.cli.command.VersionCommand.Provider.class,
    description = "Multi-datacenter service mesh federation.",
    subcommands = {
        ServerCommand.class,
        FederationStateCommand.class,
        io.meshfed.cli.command.FederationCommand.class,
        CatalogCommand.class,
        MembersCommand.class,
        io.meshfed.cli.command.ForceLeaveCommand.class,
        OperatorCommand.class,
        GatewayCommand.class,
        DemoCommand.class,
        ReloadCommand.class,
        io.meshfed.cli.command.VersionCommand.class,
        io.meshfed.cli.command.tls.TlsCommand.class,
        io.meshfed.cli.command.acl.AclCommand.class,
        io.meshfed.cli.command.ClassDataTrainingCommand.class,
        io.meshfed.cli.command.ColocateCommand.class,
        io.meshfed.cli.command.snapshot.SnapshotCommand.class,
    })
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs one command line with these streams; {@code meshfed colocate} runs several in one JVM. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    ErrorHandlers handlers = new ErrorHandlers("1".equals(System.getenv("MESHFED_DEBUG")));
    CommandLine cmd = new CommandLine(new Main())
        .setOut(out)
        .setErr(err)
        .setParameterExceptionHandler(handlers)
        .setExecutionExceptionHandler(handlers);
    try {
      return cmd.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }
}
