package io.meshfed.cli.command;

import io.meshfed.cli.Main;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * Several {@code server} and {@code gateway} commands in this one JVM, for measurements of many DCs
 * on one machine (bench/scale.sh): a JVM per server and gateway would spend the machine's memory on
 * 50 heaps and its cores on 50 start-ups. Every server starts first, all at once; each gateway once
 * every server is ready, since a gateway watches its DC's server. Each command runs as it would
 * alone (its own actor system, ports, data and shutdown hook), so SIGTERM stops them all. The first
 * command that exits ends the process with its exit code: a colocation is all of them or nothing.
 *
 * <p>Not for production: one JVM is one failure domain, and SIGHUP reloads only the command that
 * installed its handler last.
 */
@Command(name = "colocate", hidden = true,
    description = {"Run several servers and gateways in this JVM (benchmarks of many DCs on one machine):",
        "meshfed colocate server ARGS... :: gateway ARGS... :: ..."})
public final class ColocateCommand implements Callable<Integer> {
  /** Between two commands. */
  public static final String SEPARATOR = "::";
  private static final long READY_SECONDS = 120;

  @Spec CommandSpec spec;

  @Unmatched
  List<String> words = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    List<List<String>> commands;
    try {
      commands = split(words);
      // Every command line is checked before any starts: a typo in the last must not leave the
      // first running until the process exits.
      for (int i = 0; i < commands.size(); i++) {
        List<String> command = commands.get(i);
        try {
          new CommandLine(new Main()).parseArgs(command.toArray(String[]::new));
        } catch (ParameterException e) {
          throw new IllegalArgumentException("colocated command " + (i + 1) + " (" + command.get(0) + "): "
              + e.getMessage() + " (see 'meshfed " + command.get(0) + " --help')", e);
        }
      }
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("Error: " + e.getMessage());
      return 2;
    }
    CompletableFuture<Integer> firstExit = new CompletableFuture<>();
    for (String kind : List.of("server", "gateway")) {
      List<CompletableFuture<Void>> ready = new ArrayList<>();
      for (int i = 0; i < commands.size(); i++) {
        List<String> command = commands.get(i);
        if (command.get(0).equals(kind)) {
          ready.add(start(i, command, firstExit));
        }
      }
      CompletableFuture<Object> allReady = CompletableFuture.anyOf(
          CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)), firstExit);
      try {
        if (allReady.get(READY_SECONDS, TimeUnit.SECONDS) instanceof Integer exit) {
          return exit;
        }
      } catch (TimeoutException e) {
        spec.commandLine().getErr().println("Error: not every colocated " + kind + " was ready within "
            + READY_SECONDS + "s");
        return 1;
      }
    }
    // Each command returns once the shutdown hooks stopped it; an early return ends the colocation.
    return firstExit.get();
  }

  /** The commands between separators; each must be a server or a gateway. */
  static List<List<String>> split(List<String> words) {
    List<List<String>> out = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String w : words) {
      if (w.equals(SEPARATOR)) {
        out.add(current);
        current = new ArrayList<>();
      } else {
        current.add(w);
      }
    }
    out.add(current);
    for (List<String> c : out) {
      if (c.isEmpty() || !(c.get(0).equals("server") || c.get(0).equals("gateway"))) {
        throw new IllegalArgumentException("each colocated command must start with server or gateway, got "
            + (c.isEmpty() ? "nothing" : "'" + c.get(0) + "'") + " (commands are separated by '" + SEPARATOR
            + "'; see 'meshfed colocate --help')");
      }
    }
    return out;
  }

  private CompletableFuture<Void> start(int index, List<String> command, CompletableFuture<Integer> firstExit) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    PrintWriter out = new ReadyWatch(spec.commandLine().getOut(), ready);
    Thread t = new Thread(() -> {
      int exit = Main.run(out, spec.commandLine().getErr(), command.toArray(String[]::new));
      firstExit.complete(exit);
    }, "meshfed-colocated-" + index + "-" + command.get(0));
    t.start();
    return ready;
  }

  /**
   * The command's standard output, shared with the others; completes {@code ready} at its ready line.
   * A line goes to the shared writer in one call, which writes it whole.
   */
  private static final class ReadyWatch extends PrintWriter {
    private final PrintWriter shared;
    private final CompletableFuture<Void> ready;

    ReadyWatch(PrintWriter shared, CompletableFuture<Void> ready) {
      super(shared, true);
      this.shared = shared;
      this.ready = ready;
    }

    @Override
    public void println(String line) {
      shared.println(line);
      shared.flush();
      if (line.startsWith("meshfed server ready:") || line.startsWith("meshfed gateway ready:")) {
        ready.complete(null);
      }
    }
  }

}
