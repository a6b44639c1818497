package io.meshfed.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Option;

/** How the client names and trusts the server, and its threads: shared by 'client' and 'probe'. */
final class ClientOptions {
  @Option(names = "--sni", defaultValue = "server.dc2.meshfed",
      description = "TLS server name sent and verified (default: ${DEFAULT-VALUE}).")
  String serverName;

  @Option(names = "--certs", required = true, description = "Directory written by 'certs'.")
  Path certs;

  @Option(names = "--threads", description = "Client event loop threads (default: the number of processors).")
  int threads = Runtime.getRuntime().availableProcessors();

  SslContext tls() throws SSLException {
    return BenchTls.client(BenchCerts.clientFiles(certs).load());
  }

  EventLoopGroup newGroup() {
    return NettyTransport.select().newGroup("bench-client", threads);
  }
}
