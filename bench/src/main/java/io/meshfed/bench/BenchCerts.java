package io.meshfed.bench;

import io.meshfed.transport.tls.CertificateTool;
import io.meshfed.transport.tls.CertificateTool.Issued;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A throwaway CA and the two certificates the benchmark needs, in one directory:
 * {@code ca.pem}; {@code server.pem}/{@code server-key.pem}, a meshfed server certificate of
 * {@code dc} (SAN {@code server.<dc>.<domain>}, the SNI the client sends); and
 * {@code client.pem}/{@code client-key.pem}, a client certificate of another DC (the server
 * requires one, as a meshfed server port does).
 */
final class BenchCerts {
  static final String SERVER_NODE = "bench";
  static final String CLIENT_DC = "dc1";
  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final String CA = "ca.pem";

  private BenchCerts() {}

  static void write(Path dir, String dc, String domain) throws IOException {
    Files.createDirectories(dir);
    Issued ca = CertificateTool.createCa(domain, VALIDITY);
    Files.writeString(dir.resolve(CA), ca.certificatePem());
    writeLeaf(serverFiles(dir), CertificateTool.createServerCert(ca, dc, SERVER_NODE, domain, VALIDITY));
    writeLeaf(clientFiles(dir), CertificateTool.createClientCert(ca, CLIENT_DC, domain, VALIDITY));
  }

  static BenchTls.Files serverFiles(Path dir) {
    return files(dir, "server");
  }

  static BenchTls.Files clientFiles(Path dir) {
    return files(dir, "client");
  }

  private static BenchTls.Files files(Path dir, String name) {
    return new BenchTls.Files(dir.resolve(CA), dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem"));
  }

  private static void writeLeaf(BenchTls.Files files, Issued leaf) throws IOException {
    Files.writeString(files.cert(), leaf.certificatePem());
    Files.writeString(files.key(), leaf.privateKeyPem());
  }
}
