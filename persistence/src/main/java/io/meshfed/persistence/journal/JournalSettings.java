package io.meshfed.persistence.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where the store journals: an H2 file (one server, development) or a PostgreSQL database shared
 * by the servers of a DC, so that the store's singleton can recover on any of them.
 *
 * @param h2File the H2 database file base (H2 appends {@code .mv.db}); null for PostgreSQL
 * @param postgresUrl the JDBC URL; null for H2
 */
public record JournalSettings(Kind kind, Path h2File, String postgresUrl, String user, String password) {

  public enum Kind {
    H2,
    POSTGRES
  }

  private static final String SHARED_DB = "pekko-persistence-jdbc.shared-databases.slick";

  public JournalSettings {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.H2) {
      Objects.requireNonNull(h2File, "h2File");
    } else {
      Objects.requireNonNull(postgresUrl, "postgresUrl");
    }
    user = user == null ? "" : user;
    password = password == null ? "" : password;
  }

  /** An H2 database at {@code <dataDir>/store}. */
  public static JournalSettings h2(Path dataDir) {
    return new JournalSettings(Kind.H2, dataDir.resolve("store"), null, "sa", "");
  }

  public static JournalSettings postgres(String url, String user, String password) {
    return new JournalSettings(Kind.POSTGRES, null, url, user, password);
  }

  /**
   * The JDBC URL. H2 keeps its default file lock: a second process opening the same file fails
   * with "Database may be already in use" instead of corrupting it, so no AUTO_SERVER here. H2's own
   * JVM shutdown hook would close the database while the server still leaves its cluster on SIGTERM
   * (and fail the writes of that leave); the pool closes it when the actor system terminates.
   */
  public String jdbcUrl() {
    return kind == Kind.H2 ? "jdbc:h2:file:" + h2File.toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE" : postgresUrl;
  }

  /** The pekko-persistence-jdbc configuration: journal, snapshots and queries on one pool. */
  public Config toConfig() {
    Map<String, Object> c = new HashMap<>();
    c.put("pekko.persistence.journal.plugin", "jdbc-journal");
    c.put("pekko.persistence.snapshot-store.plugin", "jdbc-snapshot-store");
    c.put("jdbc-journal.use-shared-db", "slick");
    c.put("jdbc-snapshot-store.use-shared-db", "slick");
    c.put("jdbc-read-journal.use-shared-db", "slick");
    c.put(SHARED_DB + ".profile", kind == Kind.H2 ? "slick.jdbc.H2Profile$" : "slick.jdbc.PostgresProfile$");
    c.put(SHARED_DB + ".db.driver", kind == Kind.H2 ? "org.h2.Driver" : "org.postgresql.Driver");
    c.put(SHARED_DB + ".db.url", jdbcUrl());
    c.put(SHARED_DB + ".db.user", user);
    c.put(SHARED_DB + ".db.password", password);
    // One store actor per DC writes; a small pool is plenty and keeps PostgreSQL connections low.
    c.put(SHARED_DB + ".db.numThreads", 4);
    c.put(SHARED_DB + ".db.maxConnections", 4);
    c.put(SHARED_DB + ".db.minConnections", 1);
    return ConfigFactory.parseMap(c, "meshfed journal settings (" + kind + ")");
  }

  /** Without the password, so that settings can be logged. */
  @Override
  public String toString() {
    return "JournalSettings[" + kind + " " + jdbcUrl() + " user=" + user + "]";
  }
}
