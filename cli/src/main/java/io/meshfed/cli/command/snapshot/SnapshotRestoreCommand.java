package io.meshfed.cli.command.snapshot;

import io.meshfed.cli.CliException;
import io.meshfed.persistence.store.SnapshotFile;
import io.meshfed.server.SnapshotRestore;
import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.server.config.ServerConfigLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshfed snapshot restore FILE}: offline, into the journal a server of the DC would use
 * (the same --config-file and flags as {@code meshfed server}); see {@link SnapshotRestore}.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restore a snapshot FILE into the journal of a DC whose servers are stopped (or a new DC).",
        "The journal is the one meshfed server would use with the same --config-file and flags.",
        "Refused, changing nothing: a bad file, a snapshot of another DC (unless --datacenter-override),",
        "a data dir a running server holds, a journal that has writes (unless --force)."})
final class SnapshotRestoreCommand implements Runnable {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot, as meshfed snapshot save wrote it.")
  private Path file;

  @Option(names = "--config-file", paramLabel = "FILE", description = "The DC's server configuration (HOCON).")
  private Path configFile;

  @Option(names = "--datacenter", paramLabel = "DC", description = "The DC (meshfed.datacenter).")
  private String datacenter;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "The server's data dir (its H2 journal, its lock).")
  private Path dataDir;

  @Option(names = "--journal", paramLabel = "h2|postgres", description = "Journal (default h2).")
  private String journal;

  @Option(names = "--postgres-url", paramLabel = "JDBC-URL", description = "PostgreSQL JDBC URL for --journal postgres.")
  private String postgresUrl;

  @Option(names = "--postgres-user", paramLabel = "USER")
  private String postgresUser;

  @Option(names = "--postgres-password", paramLabel = "PASSWORD")
  private String postgresPassword;

  @Option(names = "--force", description = "Replace a journal that already has writes.")
  private boolean force;

  @Option(names = "--datacenter-override",
      description = "Restore a snapshot of another DC into this one (its records name the other DC's nodes).")
  private boolean datacenterOverride;

  @Override
  public void run() {
    if (configFile == null && (datacenter == null || dataDir == null)) {
      // Else the loader's complaint would be about settings a restore does not use (the primary DC).
      throw new ParameterException(spec.commandLine(),
          "give --config-file FILE (the DC's server configuration), or --datacenter DC and --data-dir DIR");
    }
    ServerConfig config;
    try {
      config = ServerConfigLoader.load(Optional.ofNullable(configFile), false, overrides());
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), e);
    }
    SnapshotRestore.Restored restored;
    try {
      restored = SnapshotRestore.restore(config, file, force, datacenterOverride);
    } catch (SnapshotFile.InvalidSnapshotException e) {
      throw new CliException(file + ": " + e.getMessage(), e);
    } catch (SnapshotRestore.RestoreException e) {
      throw new CliException(e.getMessage(), e);
    }
    spec.commandLine().getOut().printf("Restored snapshot of DC %s (index %d) into %s: store index %d%n",
        restored.datacenter(), restored.snapshotIndex(), restored.journal(), restored.index());
    spec.commandLine().getOut().flush();
  }

  private Map<String, Object> overrides() {
    Map<String, Object> m = new HashMap<>();
    put(m, "datacenter", datacenter);
    if (configFile == null) {
      // Which DC is primary does not matter to a restore; the loader insists on one.
      put(m, "primary-datacenter", datacenter);
    }
    put(m, "data-dir", dataDir == null ? null : dataDir.toAbsolutePath().toString());
    put(m, "persistence.journal", journal);
    put(m, "persistence.postgres.url", postgresUrl);
    put(m, "persistence.postgres.user", postgresUser);
    put(m, "persistence.postgres.password", postgresPassword);
    return m;
  }

  private static void put(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
