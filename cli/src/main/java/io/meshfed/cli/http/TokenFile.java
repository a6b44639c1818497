package io.meshfed.cli.http;

import io.meshfed.cli.CliException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A token given as a file ({@code --token-file}): kept out of the command line and the process list,
 * and replaceable on disk. The file holds the secret alone; surrounding whitespace is dropped.
 */
public final class TokenFile {
  private TokenFile() {}

  /** The token from {@code --token} or {@code --token-file}; null when neither is given. */
  public static String resolve(String token, Path tokenFile) {
    if (tokenFile == null) {
      return token;
    }
    if (token != null && !token.isEmpty()) {
      throw new CliException("give --token or --token-file, not both");
    }
    try {
      String read = Files.readString(tokenFile).strip();
      if (read.isEmpty()) {
        throw new CliException("the token file " + tokenFile + " is empty");
      }
      return read;
    } catch (IOException e) {
      throw new CliException("cannot read the token file " + tokenFile + ": " + e.getMessage(), e);
    }
  }
}
