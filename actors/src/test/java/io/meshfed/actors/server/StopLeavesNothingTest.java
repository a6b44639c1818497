package io.meshfed.actors.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.actors.config.ServerConfig;
import io.meshfed.actors.config.ServerConfigLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping a server stops its actors' threads, the journal's pool, and closes its ports. */
class StopLeavesNothingTest {
  @TempDir Path dir;

  /** Threads a server owns: its dispatchers and schedulers, and the journal's connection pools. */
  private static Set<String> serverThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("meshfed-") || n.startsWith("meshfed.") || n.contains("Hikari")
            || n.startsWith("slick"))
        .collect(Collectors.toSet());
  }

  @Test
  void repeatedStartAndStopLeavesNoThreadsOrPorts() throws Exception {
    for (int i = 0; i < 3; i++) {
      MeshfedServer server = TestServers.start(dir.resolve("data"), Map.of());
      int http = server.httpPort();
      int grpc = server.grpcPort();
      assertThat(TestServers.get(server, "/v1/internal/federation-states", null).statusCode()).isEqualTo(200);
      assertThat(serverThreads()).isNotEmpty();
      TestServers.stop(server);

      String round = "threads left after stop #" + i;
      Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(serverThreads()).as(round).isEmpty());
      for (int port : List.of(http, grpc)) {
        assertThatThrownBy(() -> connect(port)).as("port " + port + " after stop").isInstanceOf(IOException.class);
      }
    }
  }

  /** A --dev server's temporary data dir exists, owner-only, while it runs, and is gone once it stopped. */
  @Test
  void aDevServerRemovesItsTemporaryDataDir() throws Exception {
    ServerConfig config = ServerConfigLoader.load(Optional.empty(), true, Map.of("node-name", "n1"));
    assertThat(config.dataDir()).doesNotExist();
    MeshfedServer server = MeshfedServer.start(config);
    try {
      assertThat(config.dataDir()).isDirectory();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config.dataDir())))
          .isEqualTo("rwx------");
    } finally {
      TestServers.stop(server);
    }
    assertThat(config.dataDir()).doesNotExist();
  }

  private static void connect(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
    }
  }
}
