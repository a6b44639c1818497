package io.meshfed.transport.tls;

import io.meshfed.transport.tls.CertificateTool.Issued;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Writes CAs and certificates into a test's directory and loads them back as {@link TlsMaterial}. */
final class TestPki {
  static final Duration YEAR = Duration.ofDays(365);

  private final Path dir;

  TestPki(Path dir) {
    this.dir = dir;
  }

  Path write(String name, String text) {
    try {
      return Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code name.pem} and {@code name-key.pem}. */
  CertFiles write(String name, Issued issued) {
    return new CertFiles(write(name + ".pem", issued.certificatePem()), write(name + "-key.pem", issued.privateKeyPem()));
  }

  TlsMaterial material(Issued ca, Issued leaf) {
    Path caFile = write("ca-" + ca.certificate().getSerialNumber() + ".pem", ca.certificatePem());
    CertFiles files = write("leaf-" + leaf.certificate().getSerialNumber(), leaf);
    return TlsMaterial.load(caFile, files.cert(), files.key());
  }

  record CertFiles(Path cert, Path key) {}
}
