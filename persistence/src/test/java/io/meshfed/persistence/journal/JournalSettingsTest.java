package io.meshfed.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSettingsTest {
  private static final String DB = "pekko-persistence-jdbc.shared-databases.slick";

  @TempDir Path dataDir;

  @Test
  void h2Config() {
    JournalSettings settings = JournalSettings.h2(dataDir);
    Config c = settings.toConfig();
    assertThat(settings.h2File()).isEqualTo(dataDir.resolve("store"));
    assertThat(c.getString("pekko.persistence.journal.plugin")).isEqualTo("jdbc-journal");
    assertThat(c.getString("pekko.persistence.snapshot-store.plugin")).isEqualTo("jdbc-snapshot-store");
    assertThat(c.getString("jdbc-journal.use-shared-db")).isEqualTo("slick");
    assertThat(c.getString("jdbc-snapshot-store.use-shared-db")).isEqualTo("slick");
    assertThat(c.getString("jdbc-read-journal.use-shared-db")).isEqualTo("slick");
    assertThat(c.getString(DB + ".profile")).isEqualTo("slick.jdbc.H2Profile$");
    assertThat(c.getString(DB + ".db.driver")).isEqualTo("org.h2.Driver");
    assertThat(c.getString(DB + ".db.url")).isEqualTo("jdbc:h2:file:" + dataDir.resolve("store").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE");
    assertThat(c.getInt(DB + ".db.numThreads")).isEqualTo(4);
    assertThat(c.getInt(DB + ".db.maxConnections")).isEqualTo(4);
    assertThat(c.getInt(DB + ".db.minConnections")).isEqualTo(1);
  }

  @Test
  void postgresConfigAndPasswordNotInToString() {
    JournalSettings settings = JournalSettings.postgres("jdbc:postgresql://db:5432/meshfed", "meshfed", "s3cret");
    Config c = settings.toConfig();
    assertThat(c.getString(DB + ".profile")).isEqualTo("slick.jdbc.PostgresProfile$");
    assertThat(c.getString(DB + ".db.driver")).isEqualTo("org.postgresql.Driver");
    assertThat(c.getString(DB + ".db.url")).isEqualTo("jdbc:postgresql://db:5432/meshfed");
    assertThat(c.getString(DB + ".db.user")).isEqualTo("meshfed");
    assertThat(c.getString(DB + ".db.password")).isEqualTo("s3cret");
    assertThat(settings.toString()).contains("jdbc:postgresql://db:5432/meshfed").doesNotContain("s3cret");
  }

  @Test
  void schemaCreationIsIdempotentAndASecondProcessCannotOpenTheFile() throws Exception {
    JournalSettings settings = JournalSettings.h2(dataDir);
    ActorTestKit kit = ActorTestKit.create("schema-test", settings.toConfig().withFallback(ConfigFactory.load()));
    try {
      JournalSchema.ensure(kit.system()).toCompletableFuture().get(20, TimeUnit.SECONDS);
      JournalSchema.ensure(kit.system()).toCompletableFuture().get(20, TimeUnit.SECONDS);

      Process other = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
          "org.h2.tools.Shell", "-url", settings.jdbcUrl(), "-user", settings.user(), "-sql", "SELECT 1")
          .redirectErrorStream(true)
          .start();
      String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(other.exitValue()).as(output).isNotZero();
      assertThat(output).contains("Database may be already in use");
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void schemaFailureNamesTheDatabase() {
    String url = "jdbc:postgresql://127.0.0.1:1/nothing";
    Config config = ConfigFactory.parseString(DB + ".db.connectionTimeout = 500ms")
        .withFallback(JournalSettings.postgres(url, "nobody", "x").toConfig())
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create("schema-failure-test", config);
    try {
      assertThatThrownBy(() -> JournalSchema.ensure(kit.system()).toCompletableFuture().join())
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("cannot create the journal schema on " + url + ": ");
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
