package io.meshfed.cli.command.tls;

import picocli.CommandLine.Command;

/** Groups the certificate tooling; alone it is a usage error. */
@Command(name = "tls", mixinStandardHelpOptions = true,
    description = "Create the CA and the certificates that servers, gateways and clients use.",
    subcommands = {TlsCommand.Ca.class, TlsCommand.Cert.class})
public final class TlsCommand {
  @Command(name = "ca", mixinStandardHelpOptions = true, description = "Manage the certificate authority.",
      subcommands = TlsCaCreateCommand.class)
  static final class Ca {}

  @Command(name = "cert", mixinStandardHelpOptions = true, description = "Manage server and client certificates.",
      subcommands = TlsCertCreateCommand.class)
  static final class Cert {}
}
