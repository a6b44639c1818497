package io.meshfed.server.config;

/** A configuration problem; its message is one line that says what to fix. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
