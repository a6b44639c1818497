package io.meshfed.bench;

import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "probe", mixinStandardHelpOptions = true,
    description = "Retries one TLS connection with a 1-byte echo until it works (exit 0) or --timeout passes (exit 1).")
final class ProbeCommand implements Callable<Integer> {
  private static final long RETRY_MILLIS = 200;

  @Option(names = "--connect", required = true,
      description = "HOST:PORT to connect to: the bench server itself or a proxy in front of it.")
  InetSocketAddress address;

  @Mixin
  ClientOptions client;

  @Option(names = "--timeout", defaultValue = "30", description = "Seconds to keep trying (default: ${DEFAULT-VALUE}).")
  double timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
    EventLoopGroup group = client.newGroup();
    try {
      Dialer dialer = new Dialer(address, client.serverName, client.tls(), group);
      while (true) {
        try {
          LatencyTest.run(dialer, 1, 0, 1);
          return 0;
        } catch (Exception e) {
          if (System.nanoTime() >= deadline) {
            System.err.println("probe: no echo through " + address + " (SNI " + client.serverName
                + ") within " + timeoutSeconds + " s; last error: " + e);
            return 1;
          }
          Thread.sleep(RETRY_MILLIS);
        }
      }
    } finally {
      NettyTransport.shutdown(group);
    }
  }
}
