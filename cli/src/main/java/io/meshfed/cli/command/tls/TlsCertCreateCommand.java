package io.meshfed.cli.command.tls;

import io.meshfed.cli.CliException;
import io.meshfed.protocol.names.Names;
import io.meshfed.transport.tls.CertificateTool;
import io.meshfed.transport.tls.CertificateTool.Issued;
import io.meshfed.transport.tls.PemFiles;
import io.meshfed.transport.tls.PemFiles.TlsFileException;
import io.netty.util.NetUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "create", mixinStandardHelpOptions = true,
    description = {
        "Create a server or client certificate signed by the CA, named like Consul's:",
        "DC-server-meshfed-N.pem / DC-client-meshfed-N.pem and -key.pem, N the next free number.",
        "A server certificate names NODE.server.DC.<domain>, server.DC.<domain>, localhost and 127.0.0.1,",
        "and what --additional-dnsname and --additional-ipaddress add (how clients reach its TLS API ports)."})
final class TlsCertCreateCommand implements Runnable {
  private static final Pattern DNS_NAME =
      Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

  @Spec
  private CommandSpec spec;

  @Option(names = "--server", description = "Create a server certificate (needs --node).")
  private boolean server;

  @Option(names = "--client", description = "Create a client certificate.")
  private boolean client;

  @Option(names = "--dc", paramLabel = "DC", defaultValue = "dc1", description = "Datacenter (default: ${DEFAULT-VALUE}).")
  private String dc;

  @Option(names = "--node", paramLabel = "NODE", description = "Node name of the server.")
  private String node;

  @Option(names = "--ca", paramLabel = "FILE", defaultValue = TlsCaCreateCommand.CA_FILE,
      description = "CA certificate (default: ${DEFAULT-VALUE}).")
  private Path caFile;

  @Option(names = "--key", paramLabel = "FILE", defaultValue = TlsCaCreateCommand.CA_KEY_FILE,
      description = "CA private key (default: ${DEFAULT-VALUE}).")
  private Path caKeyFile;

  @Option(names = "--domain", paramLabel = "D", defaultValue = Names.DEFAULT_DOMAIN,
      description = "Domain of the server names (default: ${DEFAULT-VALUE}).")
  private String domain;

  @Option(names = "--days", paramLabel = "N", defaultValue = "365",
      description = "Days the certificate is valid (default: ${DEFAULT-VALUE}).")
  private int days;

  @Option(names = "--additional-dnsname", paramLabel = "NAME",
      description = "Another DNS name of a server certificate (repeatable): a name its API ports are reached by.")
  private List<String> moreDnsNames = new ArrayList<>();

  @Option(names = "--additional-ipaddress", paramLabel = "IP",
      description = "Another IP address of a server certificate (repeatable): an address its API ports are reached by.")
  private List<String> moreIpAddresses = new ArrayList<>();

  @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = ".",
      description = "Directory to write the files to (default: the current directory).")
  private Path outputDir;

  @Override
  public void run() {
    validate();
    Issued ca = loadCa();
    String kind = server ? "server" : "client";
    int n = 0;
    while (Files.exists(file(kind, n, "")) || Files.exists(file(kind, n, "-key"))) {
      n++;
    }
    Duration validity = Duration.ofDays(days);
    Issued issued = server
        ? CertificateTool.createServerCert(ca, dc, node, domain, validity, moreDnsNames, moreIpAddresses)
        : CertificateTool.createClientCert(ca, dc, domain, validity);
    TlsFiles.write(file(kind, n, ""), issued.certificatePem(), false, spec.commandLine().getOut());
    TlsFiles.write(file(kind, n, "-key"), issued.privateKeyPem(), true, spec.commandLine().getOut());
  }

  private void validate() {
    if (node != null && !server) {
      usage("--node requires --server");
    }
    if (server && client) {
      usage("--server and --client are mutually exclusive");
    }
    if (!server && !client) {
      usage("one of --server or --client is required");
    }
    if (!server && !(moreDnsNames.isEmpty() && moreIpAddresses.isEmpty())) {
      usage("--additional-dnsname and --additional-ipaddress are for --server certificates");
    }
    moreIpAddresses.stream().filter(ip -> !NetUtil.isValidIpV4Address(ip) && !NetUtil.isValidIpV6Address(ip))
        .findFirst().ifPresent(ip -> usage("--additional-ipaddress must be an IPv4 or IPv6 address, got '" + ip + "'"));
    moreDnsNames.stream().filter(name -> !DNS_NAME.matcher(name).matches()).findFirst()
        .ifPresent(name -> usage("--additional-dnsname must be a DNS name (letters, digits, '-' and '.', "
            + "optionally starting with '*.'), got '" + name + "'"));
    if (server && node == null) {
      usage("--server requires --node: servers of other DCs dial a server by the name NODE.server.DC." + domain
          + ", so its certificate must hold it");
    }
    Names.datacenterError(dc).ifPresent(this::usage);
    if (server) {
      Names.nodeNameError(node).ifPresent(this::usage);
    }
    TlsFiles.domainError(domain).ifPresent(this::usage);
    if (days < 1) {
      usage("--days must be at least 1, got " + days);
    }
    if (!Files.isDirectory(outputDir)) {
      throw new CliException("output directory " + outputDir + " does not exist");
    }
  }

  private Issued loadCa() {
    if (!Files.exists(caFile)) {
      throw new CliException("CA certificate " + caFile + " does not exist; create one with 'meshfed tls ca create' or pass --ca");
    }
    if (!Files.exists(caKeyFile)) {
      throw new CliException("CA key " + caKeyFile + " does not exist; pass the CA's key with --key");
    }
    try {
      X509Certificate certificate = PemFiles.readCertificates("CA certificate", caFile).get(0);
      PrivateKey key = PemFiles.readPrivateKey("CA key", caKeyFile);
      if (!PemFiles.matches(key, certificate.getPublicKey())) {
        throw new CliException("CA key " + caKeyFile + " does not match the CA certificate " + caFile);
      }
      if (certificate.getBasicConstraints() < 0) {
        throw new CliException(caFile + " is not a CA certificate (basic constraints do not allow signing)");
      }
      return new Issued(certificate, key);
    } catch (TlsFileException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  private Path file(String kind, int n, String suffix) {
    return outputDir.resolve(dc + "-" + kind + "-meshfed-" + n + suffix + ".pem");
  }

  private void usage(String message) {
    throw new ParameterException(spec.commandLine(), message);
  }
}
