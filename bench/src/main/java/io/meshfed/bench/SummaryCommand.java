package io.meshfed.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "summary", mixinStandardHelpOptions = true,
    description = "Prints the comparison table of the RESULT lines in FILE (medians over rounds, ratios, added latency).")
final class SummaryCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "File holding the 'RESULT ...' lines of the client runs.")
  Path results;

  @Option(names = "--rows", description = "Tab-separated rows for bench/all.sh's table instead of the table.")
  boolean rows;

  @Override
  public Integer call() throws Exception {
    Summary summary = Summary.of(Files.readAllLines(results));
    System.out.print(rows ? summary.rows() : summary.table());
    return 0;
  }
}
