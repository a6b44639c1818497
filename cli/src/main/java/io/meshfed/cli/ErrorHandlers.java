package io.meshfed.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one {@code Error: } line on stderr: usage mistakes exit with 2, failures
 * while running exit with 1. Scripts grep that line, so stack traces only appear on request.
 */
final class ErrorHandlers implements IParameterExceptionHandler, IExecutionExceptionHandler {
  private final boolean debug;

  ErrorHandlers(boolean debug) {
    this.debug = debug;
  }

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    if (debug) {
      ex.printStackTrace(cmd.getErr());
    }
    String hint = " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')";
    cmd.getErr().println("Error: " + oneLine(ex.getMessage()) + hint);
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    if (debug) {
      ex.printStackTrace(err);
    }
    err.println("Error: " + oneLine(describe(ex)));
    return cmd.getCommandSpec().exitCodeOnExecutionException();
  }

  private static String describe(Exception ex) {
    if (ex instanceof CliException || ex.getMessage() != null && !ex.getMessage().isBlank()) {
      return ex.getMessage();
    }
    // An unexpected exception without a message: its type is the only clue left.
    return ex.getClass().getName();
  }

  static String oneLine(String message) {
    return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
