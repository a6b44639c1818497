package io.meshfed.transport.gossip;

import io.meshfed.protocol.names.Names;
import io.meshfed.transport.tls.CertificateTool;
import io.meshfed.transport.tls.TlsMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A test CA, as in the server port's TestPki, issuing server certificates the way {@code meshfed tls
 * cert create} does: {@code <node>.server.<dc>.meshfed} and {@code server.<dc>.meshfed}.
 */
final class GossipTestPki {
  static final String DOMAIN = Names.DEFAULT_DOMAIN;
  private static final Duration VALIDITY = Duration.ofDays(1);

  private final Path dir;
  private final CertificateTool.Issued ca = CertificateTool.createCa(DOMAIN, VALIDITY);
  private final Path caFile;

  GossipTestPki(Path dir) throws Exception {
    this.dir = dir;
    this.caFile = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
  }

  /** The material of server {@code node} of {@code dc}, which it presents as server and as client. */
  TlsMaterial server(String dc, String node) throws Exception {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, dc, node, DOMAIN, VALIDITY);
    String name = dc + "-" + node;
    return TlsMaterial.load(caFile, Files.writeString(dir.resolve(name + ".pem"), cert.certificatePem()),
        Files.writeString(dir.resolve(name + "-key.pem"), cert.privateKeyPem()));
  }
}
