package io.meshfed.server;

import static io.meshfed.server.RawConnections.loopback;
import static io.meshfed.server.RawConnections.readUntilClosed;
import static io.meshfed.server.RawConnections.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The federation map's live stream ({@code GET /v1/operator/federation/stream}) on a real socket:
 * it outlives the listener's idle timeout, counts against the connection cap, holds one
 * blocking-read slot while it runs and gives it back when the client goes. The clients connect
 * from 127.0.0.5 to .7: the start-up check keeps a connection open from 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FederationStreamTest {
  private static final String REQUEST = "GET /v1/operator/federation/stream HTTP/1.1\r\nHost: meshfed\r\n\r\n";
  @TempDir static Path dir;
  MeshfedServer server;

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.of("limits.http.idle-timeout", "1s",
        "limits.http.max-connections-per-client", 1, "limits.blocking-reads", 1));
  }

  @AfterAll
  void stop() throws Exception {
    TestServers.stop(server);
  }

  /** Reads from {@code s} until {@code events} status events have arrived; what was read. */
  private static String readEvents(Socket s, int events, Duration timeout) throws Exception {
    s.setSoTimeout((int) timeout.toMillis());
    InputStream in = s.getInputStream();
    StringBuilder text = new StringBuilder();
    byte[] buffer = new byte[8192];
    while (text.toString().split("event: status\n", -1).length - 1 < events) {
      int n = in.read(buffer);
      assertThat(n).as("the stream ended early; so far: %s", text).isPositive();
      text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
    }
    return text.toString();
  }

  @Test
  void theStreamOutlivesTheIdleTimeoutHoldsItsConnectionAndItsSlot() throws Exception {
    try (RawConnections clients = new RawConnections()) {
      Socket stream = clients.open(loopback(5), server.httpPort());
      send(stream, REQUEST);
      long opened = System.nanoTime();
      // Events every 2 s: 3 of them span 4 s, four times the idle timeout.
      String events = readEvents(stream, 3, Duration.ofSeconds(20));
      assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThan(Duration.ofSeconds(3));
      assertThat(events).startsWith("HTTP/1.1 200 OK").contains("Content-Type: text/event-stream")
          .contains("data: {\"Node\":\"n1\",\"Datacenter\":\"dc1\"");

      // The stream is this client's one connection: a second one is refused.
      Socket second = clients.open(loopback(5), server.httpPort());
      send(second, REQUEST);
      assertThat(readUntilClosed(second, Duration.ofSeconds(10))).startsWith("HTTP/1.1 429 Too Many Requests");

      // And it holds the one blocking-read slot: another client's stream is refused at once.
      Socket other = clients.open(loopback(6), server.httpPort());
      send(other, REQUEST);
      assertThat(readUntilClosed(other, Duration.ofSeconds(10))).startsWith("HTTP/1.1 503 Service Unavailable")
          .endsWith("too many blocking reads are waiting: 1 (meshfed.limits.blocking-reads); retry");

      // The client goes: its slot comes back and the next stream is served.
      stream.close();
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        try (RawConnections again = new RawConnections()) {
          Socket next = again.open(loopback(7), server.httpPort());
          send(next, REQUEST);
          assertThat(readEvents(next, 1, Duration.ofSeconds(10))).startsWith("HTTP/1.1 200 OK");
        }
      });
    }
  }
}
