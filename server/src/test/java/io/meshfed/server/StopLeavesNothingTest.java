package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.server.config.ServerConfig;
import io.meshfed.server.config.ServerConfigLoader;
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
  static Set<String> serverThreads() {
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

  /**
   * An actor system that ends without the coordinated shutdown (a fatal error; a crash as the
   * fail-over tests make one) still takes the server port's and the RPC client's threads with it.
   */
  @Test
  void aServerWhoseActorSystemEndsWithoutItsStopLeavesNoThreads() throws Exception {
    MeshfedServer server = TestServers.start(dir.resolve("crash"), Map.of(), com.typesafe.config.ConfigFactory.parseString(
        "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
            + "pekko.cluster.run-coordinated-shutdown-when-down = off"));
    assertThat(serverThreads()).anyMatch(n -> n.startsWith("meshfed-server-port-"));
    server.system().terminate();
    server.whenTerminated().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(serverThreads()).as("threads left after the actor system ended").isEmpty());
  }

  /**
   * Connections of the client APIs are closed at stop whatever they are doing: idle, in the
   * middle of a blocking read, or carrying a watch; a client never keeps a stopped server's socket.
   */
  @Test
  void stopClosesEveryClientConnectionWhateverItIsDoing() throws Exception {
    MeshfedServer server = TestServers.start(dir.resolve("busy"), Map.of());
    try (RawConnections raw = new RawConnections();
         RawHttp2 watch = RawHttp2.connect(RawConnections.loopback(1), server.grpcPort())) {
      Socket idle = raw.open(RawConnections.loopback(1), server.httpPort());
      RawConnections.send(idle, "GET /v1/status/leader HTTP/1.1\r\nHost: x\r\n\r\n");
      long index = TestServers.index(TestServers.get(server, "/v1/internal/federation-states", null));
      Socket blocking = raw.open(RawConnections.loopback(1), server.httpPort());
      RawConnections.send(blocking, "GET /v1/internal/federation-states?index=" + index
          + "&wait=5m HTTP/1.1\r\nHost: x\r\n\r\n");
      watch.preface();
      watch.grpcHeaders(1, "/meshfed.v1.FederationStateService/WatchList", null);
      watch.data(1, new byte[] {0, 0, 0, 0, 0}, true);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
        RawHttp2.Frame f = watch.readFrame();
        return f != null && f.type() == RawHttp2.DATA && f.stream() == 1;
      });

      TestServers.stop(server);
      for (Socket s : List.of(idle, blocking, watch.socket())) {
        assertThat(RawConnections.readUntilClosed(s, Duration.ofSeconds(10))).doesNotEndWith("<still open>");
      }
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(serverThreads()).isEmpty());
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

  static void connect(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
    }
  }
}
