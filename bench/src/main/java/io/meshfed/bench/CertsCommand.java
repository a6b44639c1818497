package io.meshfed.bench;

import io.meshfed.protocol.names.Names;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Writes a throwaway CA, a server certificate of --dc and a client certificate into --dir.")
final class CertsCommand implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "Directory to write into (created if missing).")
  Path dir;

  @Option(names = "--dc", defaultValue = "dc2", description = "DC of the server certificate (default: ${DEFAULT-VALUE}).")
  String dc;

  @Option(names = "--domain", defaultValue = Names.DEFAULT_DOMAIN, description = "Domain (default: ${DEFAULT-VALUE}).")
  String domain;

  @Override
  public Integer call() throws Exception {
    BenchCerts.write(dir, dc, domain);
    System.out.println("certificates in " + dir + "; the server answers SNI " + Names.anyServerSni(dc, domain));
    return 0;
  }
}
