package io.meshfed.bench;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Option;

/** Where the client connects and how it authenticates: shared by 'client' and 'probe'. */
final class TargetOptions {
  @Option(names = "--connect", required = true, converter = HostPort.class,
      description = "HOST:PORT to connect to: the bench server itself or a proxy in front of it.")
  InetSocketAddress address;

  @Option(names = "--sni", defaultValue = "server.dc2.meshfed",
      description = "TLS server name sent and verified (default: ${DEFAULT-VALUE}).")
  String serverName;

  @Option(names = "--certs", required = true, description = "Directory written by 'certs'.")
  Path certs;

  @Option(names = "--threads", description = "Client event loop threads (default: the number of processors).")
  int threads = Runtime.getRuntime().availableProcessors();

  Dialer dialer() throws SSLException {
    return new Dialer(address, serverName, BenchTls.client(BenchCerts.clientFiles(certs).load()), threads);
  }
}
