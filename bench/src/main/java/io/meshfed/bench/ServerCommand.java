package io.meshfed.bench;

import io.netty.handler.ssl.OpenSsl;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Runs the bench TLS server until stopped; prints 'bench server ready on HOST:PORT' when it listens.")
final class ServerCommand implements Callable<Integer> {
  @Option(names = "--listen", defaultValue = "127.0.0.1:0",
      description = "Address to listen on; port 0 picks a free one (default: ${DEFAULT-VALUE}).")
  InetSocketAddress listen;

  @Option(names = "--certs", required = true, description = "Directory written by 'certs'.")
  Path certs;

  @Option(names = "--threads", description = "Event loop threads (default: the number of processors).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Override
  public Integer call() throws Exception {
    BenchServer server = BenchServer.start(listen, BenchTls.server(BenchCerts.serverFiles(certs).load()), threads);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "bench-server-stop"));
    InetSocketAddress bound = server.address();
    // One println, so a script watching the output never sees half of the line.
    System.out.println(String.format("bench server ready on %s:%d (%s, %s, %d threads)", bound.getHostString(),
        bound.getPort(), NettyTransport.select().name(), OpenSsl.versionString(), threads));
    stopped.await();
    return 0;
  }
}
