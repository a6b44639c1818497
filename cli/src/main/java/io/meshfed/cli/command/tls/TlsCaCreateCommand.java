package io.meshfed.cli.command.tls;

import io.meshfed.cli.CliException;
import io.meshfed.protocol.names.Names;
import io.meshfed.transport.tls.CertificateTool;
import io.meshfed.transport.tls.CertificateTool.Issued;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "create", mixinStandardHelpOptions = true,
    description = "Create a CA: meshfed-agent-ca.pem and meshfed-agent-ca-key.pem (readable by the owner only).")
final class TlsCaCreateCommand implements Runnable {
  static final String CA_FILE = "meshfed-agent-ca.pem";
  static final String CA_KEY_FILE = "meshfed-agent-ca-key.pem";

  @Spec
  private CommandSpec spec;

  @Option(names = "--domain", paramLabel = "D", defaultValue = Names.DEFAULT_DOMAIN,
      description = "Domain of the server names the CA will sign (default: ${DEFAULT-VALUE}).")
  private String domain;

  @Option(names = "--days", paramLabel = "N", defaultValue = "1825",
      description = "Days the CA is valid (default: ${DEFAULT-VALUE}).")
  private int days;

  @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = ".",
      description = "Directory to write the files to (default: the current directory).")
  private Path outputDir;

  @Override
  public void run() {
    TlsFiles.domainError(domain).ifPresent(this::usage);
    if (days < 1) {
      usage("--days must be at least 1, got " + days);
    }
    if (!Files.isDirectory(outputDir)) {
      throw new CliException("output directory " + outputDir + " does not exist");
    }
    Path cert = outputDir.resolve(CA_FILE);
    Path key = outputDir.resolve(CA_KEY_FILE);
    TlsFiles.refuseExisting(cert, key);
    Issued ca = CertificateTool.createCa(domain, Duration.ofDays(days));
    TlsFiles.write(cert, ca.certificatePem(), false, spec.commandLine().getOut());
    TlsFiles.write(key, ca.privateKeyPem(), true, spec.commandLine().getOut());
  }

  private void usage(String message) {
    throw new ParameterException(spec.commandLine(), message);
  }
}
