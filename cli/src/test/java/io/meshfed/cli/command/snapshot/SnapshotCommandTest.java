package io.meshfed.cli.command.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.cli.CliRun;
import io.meshfed.server.MeshfedServer;
import io.meshfed.server.config.ServerConfigLoader;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands as a user runs them (picocli, in this JVM): save from a running dev server, restore
 * into a new data dir, and the one-line refusals (a journal with writes, a bad file) that change nothing.
 */
class SnapshotCommandTest {
  @TempDir Path dir;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void saveThenRestoreIntoANewDataDir() throws Exception {
    MeshfedServer server = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true,
        Map.of("data-dir", dir.resolve("old").toString(), "node-name", "n1")));
    Path file = dir.resolve("dc1.snap");
    try {
      HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://" + server.httpAddress() + "/v1/internal/federation-state"))
          .timeout(Duration.ofSeconds(30))
          .PUT(HttpRequest.BodyPublishers.ofString("{\"Op\":\"upsert\",\"State\":{\"Datacenter\":\"dc2\"}}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      CliRun saved = run("snapshot", "save", file.toString(), "--http-addr", server.httpAddress());
      assertThat(saved.exit()).as(saved.err()).isZero();
      assertThat(saved.out()).matches("Saved snapshot of DC dc1 at index \\d+ \\(\\d+ bytes, meshfed .+\\) to "
          + java.util.regex.Pattern.quote(file.toString()) + "\n");
    } finally {
      server.stop().toCompletableFuture().get();
    }

    String[] restore = {"snapshot", "restore", file.toString(), "--datacenter", "dc1", "--data-dir",
        dir.resolve("new").toString()};
    CliRun restored = run(restore);
    assertThat(restored.exit()).as(restored.err()).isZero();
    assertThat(restored.out()).startsWith("Restored snapshot of DC dc1 (index ").contains("into H2 in ");

    // A bad file is refused before the journal is opened: every file of the data dir stays as it was.
    Map<Path, byte[]> journal = files(dir.resolve("new"));
    byte[] good = Files.readAllBytes(file);
    Path truncated = Files.write(dir.resolve("cut.snap"), Arrays.copyOf(good, good.length - 10));
    String[] bad = restore.clone();
    bad[2] = truncated.toString();
    bad = Arrays.copyOf(bad, bad.length + 1);
    bad[bad.length - 1] = "--force";
    CliRun refused = run(bad);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).isEqualTo("Error: " + truncated + ": truncated: the file ends after "
        + (good.length - 10) + " bytes, before its checksum\n");
    Map<Path, byte[]> after = files(dir.resolve("new"));
    assertThat(after.keySet()).isEqualTo(journal.keySet());
    journal.forEach((p, bytes) -> assertThat(after.get(p)).as(p.toString()).isEqualTo(bytes));

    // A journal with writes is refused by the store: its one event, the restore, is all it holds.
    CliRun again = run(restore);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err().strip()).doesNotContain("\n")
        .startsWith("Error: restoring into the store of DC dc1 failed: the store is not empty")
        .endsWith("give --force to replace it");
    assertThat(events(dir.resolve("new"))).containsExactly("io.meshfed.persistence.store.StoreEvent$StoreRestored");
  }

  @Test
  void restoreNeedsTheDcsSettings() {
    CliRun r = run("snapshot", "restore", dir.resolve("any.snap").toString(), "--data-dir", dir.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("Error: give --config-file FILE (the DC's server configuration), or --datacenter DC"
        + " and --data-dir DIR").hasLineCount(1);
  }

  private static java.util.List<String> events(Path dataDir) throws Exception {
    io.meshfed.persistence.journal.JournalSettings h2 = io.meshfed.persistence.journal.JournalSettings.h2(dataDir);
    java.util.List<String> manifests = new java.util.ArrayList<>();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(h2.jdbcUrl(), h2.user(), h2.password());
        java.sql.ResultSet rs = c.createStatement().executeQuery(
            "SELECT \"event_ser_manifest\" FROM \"event_journal\" ORDER BY \"sequence_number\"")) {
      while (rs.next()) {
        manifests.add(rs.getString(1));
      }
    }
    return manifests;
  }

  private static Map<Path, byte[]> files(Path root) throws Exception {
    Map<Path, byte[]> files = new HashMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(p, Files.readAllBytes(p));
      }
    }
    return files;
  }
}
