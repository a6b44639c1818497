package io.meshfed.cli.command.tls;

import io.meshfed.cli.CliException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.regex.Pattern;

/** Writing the PEM files and the checks shared by {@code tls ca create} and {@code tls cert create}. */
final class TlsFiles {
  private static final Pattern DOMAIN =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

  private TlsFiles() {}

  static Optional<String> domainError(String domain) {
    if (DOMAIN.matcher(domain).matches() && domain.length() <= 253) {
      return Optional.empty();
    }
    return Optional.of("invalid domain '" + domain + "': use dot-separated DNS labels such as 'meshfed' or 'mesh.example.com'");
  }

  /** Fails with one line naming the first of {@code files} that exists. */
  static void refuseExisting(Path... files) {
    for (Path file : files) {
      if (Files.exists(file)) {
        throw new CliException(file + " already exists; refusing to overwrite it");
      }
    }
  }

  /**
   * Writes a new file, never replacing one (CREATE_NEW closes the race with another run). Private keys
   * are created 0600 from the start, so there is no moment at which others can read them.
   */
  static void write(Path file, String text, boolean secret, PrintWriter out) {
    try {
      if (secret && Files.getFileStore(parent(file)).supportsFileAttributeView("posix")) {
        FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        Files.createFile(file, ownerOnly);
        Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
      } else {
        Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      }
    } catch (FileAlreadyExistsException e) {
      throw new CliException(file + " already exists; refusing to overwrite it");
    } catch (IOException e) {
      throw new CliException("cannot write " + file + ": " + e.getMessage(), e);
    }
    out.println("Saved " + file);
  }

  private static Path parent(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? file.toAbsolutePath() : parent;
  }
}
