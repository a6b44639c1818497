package io.meshfed.cli.command;

import io.meshfed.cli.logging.LogFormat;
import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.server.config.ServerConfigLoader;
import io.meshfed.server.MeshfedServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meshfed server}: runs one server until SIGTERM or SIGINT. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Run a meshfed server.",
        "Options come from --config-file (HOCON, see docs/configuration.md); a flag overrides the file.",
        "--dev runs a single-server DC on 127.0.0.1 with free ports and a temporary data dir unless given."})
public final class ServerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--dev", description = "Development mode: one server, embedded journal, free ports on 127.0.0.1.")
  boolean dev;

  @Option(names = "--config-file", paramLabel = "FILE", description = "HOCON configuration file.")
  Path configFile;

  @Option(names = "--datacenter", paramLabel = "DC", description = "This server's datacenter (meshfed.datacenter).")
  String datacenter;

  @Option(names = "--primary-datacenter", paramLabel = "DC", description = "The primary datacenter.")
  String primaryDatacenter;

  @Option(names = "--node", paramLabel = "NAME", description = "This server's node name (default: the host name).")
  String node;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory holding this server's state.")
  Path dataDir;

  @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (meshfed.bind-address).")
  String bind;

  @Option(names = "--advertise", paramLabel = "ADDR", description = "Address other servers reach this one at.")
  String advertise;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP API port (default 8500; 0 picks one).")
  Integer httpPort;

  @Option(names = "--grpc-port", paramLabel = "PORT", description = "gRPC API port (default 8502; 0 picks one).")
  Integer grpcPort;

  @Option(names = "--https-port", paramLabel = "PORT",
      description = "HTTPS API port (default -1: off; needs meshfed.tls; 0 picks one).")
  Integer httpsPort;

  @Option(names = "--grpc-tls-port", paramLabel = "PORT",
      description = "gRPC TLS API port (default -1: off; needs meshfed.tls; 0 picks one).")
  Integer grpcTlsPort;

  @Option(names = "--server-port", paramLabel = "PORT", description = "Server port (default 8300).")
  Integer serverPort;

  @Option(names = "--lan-port", paramLabel = "PORT", description = "LAN cluster port (default 8301).")
  Integer lanPort;

  @Option(names = "--domain", paramLabel = "DOMAIN", description = "Domain of SNI names (default meshfed).")
  String domain;

  @Option(names = "--journal", paramLabel = "h2|postgres", description = "Journal (default h2).")
  String journal;

  @Option(names = "--postgres-url", paramLabel = "JDBC-URL", description = "PostgreSQL JDBC URL for --journal postgres.")
  String postgresUrl;

  @Option(names = "--postgres-user", paramLabel = "USER")
  String postgresUser;

  @Option(names = "--postgres-password", paramLabel = "PASSWORD")
  String postgresPassword;

  @Option(names = "--retry-join", paramLabel = "HOST:PORT", description = "LAN seed of this DC (repeatable).")
  List<String> retryJoin;

  @Option(names = "--bootstrap-expect", paramLabel = "N", description = "Servers expected in this DC.")
  Integer bootstrapExpect;

  @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:MESHFED_LOG_FORMAT:-text}",
      description = "Log lines on stderr: text, or json (one object per line, for log pipelines);"
          + " default text, or MESHFED_LOG_FORMAT.")
  LogFormat logFormat;

  @Option(names = "--parent-pid", paramLabel = "PID", hidden = true,
      description = "Stop when the process PID is gone (used by meshfed demo for its children).")
  Long parentPid;

  @Override
  public Integer call() throws InterruptedException {
    logFormat.apply();
    ParentWatch.exitWhenGone(parentPid);
    if (!dev && configFile == null) {
      spec.commandLine().getErr().println("Error: give --dev or --config-file FILE (see meshfed server --help)");
      return 2;
    }
    ServerConfig config;
    MeshfedServer server;
    try {
      config = ServerConfigLoader.load(Optional.ofNullable(configFile), dev, overrides());
      LogFormat.claim(config.datacenter(), config.nodeName());
      server = MeshfedServer.start(config);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("Error: " + e.getMessage());
      return 1;
    }
    ReloadSignal.install(server::reload, "meshfed server");
    spec.commandLine().getOut().println(server.readyLine());
    spec.commandLine().getOut().flush();
    // SIGTERM/SIGINT run Pekko's coordinated shutdown from its JVM hook; wait for it here.
    server.whenTerminated().toCompletableFuture().join();
    return 0;
  }

  private Map<String, Object> overrides() {
    Map<String, Object> m = new HashMap<>();
    put(m, "datacenter", datacenter);
    put(m, "primary-datacenter", primaryDatacenter);
    put(m, "node-name", node);
    put(m, "data-dir", dataDir == null ? null : dataDir.toAbsolutePath().toString());
    put(m, "bind-address", bind);
    put(m, "advertise-address", advertise);
    put(m, "ports.http", httpPort);
    put(m, "ports.grpc", grpcPort);
    put(m, "ports.https", httpsPort);
    put(m, "ports.grpc-tls", grpcTlsPort);
    put(m, "ports.server", serverPort);
    put(m, "ports.lan", lanPort);
    put(m, "domain", domain);
    put(m, "persistence.journal", journal);
    put(m, "persistence.postgres.url", postgresUrl);
    put(m, "persistence.postgres.user", postgresUser);
    put(m, "persistence.postgres.password", postgresPassword);
    put(m, "retry-join", retryJoin);
    put(m, "bootstrap-expect", bootstrapExpect);
    return m;
  }

  private static void put(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
