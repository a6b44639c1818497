package io.meshfed.actors.locator;

import io.meshfed.transport.tls.CertificateTool;
import io.meshfed.transport.tls.TlsMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** One test CA and the server certificates it issues, written to a test's directory. */
final class TestCerts {
  private final Path dir;
  private final CertificateTool.Issued ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));

  TestCerts(Path dir) {
    this.dir = dir;
  }

  /** A server certificate of {@code node} in {@code dc} (SANs {@code <node>.server.<dc>.meshfed}, {@code server.<dc>.meshfed}). */
  TlsMaterial server(String dc, String node) {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, dc, node, "meshfed", Duration.ofDays(30));
    try {
      Path caFile = dir.resolve("ca.pem");
      if (!Files.exists(caFile)) {
        Files.writeString(caFile, ca.certificatePem());
      }
      return TlsMaterial.load(caFile, Files.writeString(dir.resolve(dc + "-" + node + ".pem"), cert.certificatePem()),
          Files.writeString(dir.resolve(dc + "-" + node + "-key.pem"), cert.privateKeyPem()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
