package io.meshfed.cli;

/**
 * A failure the user can act on: its message is printed as the single {@code Error: } line and the
 * command exits with 1, so the message must make sense without a stack trace.
 */
public final class CliException extends RuntimeException {
  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
