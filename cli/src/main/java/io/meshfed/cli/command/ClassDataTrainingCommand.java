package io.meshfed.cli.command;

import io.meshfed.gateway.GatewaySettings;
import io.meshfed.gateway.control.GatewayProcess;
import io.meshfed.gateway.control.GatewayRegistration;
import io.meshfed.gateway.control.LocalServerCredentials;
import io.meshfed.server.MeshfedServer;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.server.config.ServerConfigLoader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The workload of the class-data archive's training run ({@code io.meshfed.cli.launch.ClassDataArchive}):
 * a development server and a registered gateway in front of it, in this one JVM, until the gateway
 * routes to the server; then both stop and the JVM exits, which is when it writes the archive. Both
 * start from the classes they load here.
 */
@Command(name = "class-data-training", hidden = true, mixinStandardHelpOptions = true,
    description = "Start a development server and a gateway, wait until the gateway routes, stop "
        + "(the workload of the class-data archive's training run).")
public final class ClassDataTrainingCommand implements Callable<Integer> {
  private static final long TIMEOUT_SECONDS = 120;

  @Spec CommandSpec spec;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The server's data directory.")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    MeshfedServer server = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        Map.of("data-dir", dataDir.toAbsolutePath().toString())));
    try {
      ServerConfig config = server.config();
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      InetSocketAddress at = InetSocketAddress.createUnresolved("127.0.0.1", port);
      GatewayProcess.Control control = new GatewayProcess.Control(config.datacenter(), config.domain(), "127.0.0.1",
          server.grpcPort(), LocalServerCredentials.load(Optional.empty(), "", Optional.empty(), Clock.systemUTC()),
          Optional.of(new GatewayRegistration.Spec(config.datacenter(), "class-data-training", at, at, true)));
      try (GatewayProcess gateway = GatewayProcess.start(GatewaySettings.builder("127.0.0.1", port).build(), control)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (gateway.gateway().routes().version() < 1) {
          if (System.nanoTime() > deadline) {
            spec.commandLine().getErr().println("Error: the training gateway did not route within "
                + TIMEOUT_SECONDS + "s");
            return 1;
          }
          TimeUnit.MILLISECONDS.sleep(50);
        }
      }
      spec.commandLine().getOut().println("meshfed class-data training done");
      return 0;
    } finally {
      server.stop().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }
}
