package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One {@code meshfed} command line run in this JVM through the real entry point, with what it printed. */
public record CliRun(int exit, String out, String err) {
  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new CliRun(exit, out.toString(), err.toString());
  }

  /** The command failed with exactly this one line on stderr. */
  public void isOneErrorLine(String expected) {
    assertThat(err).endsWith("\n");
    assertThat(err.strip()).doesNotContain("\n").isEqualTo(expected);
  }
}
