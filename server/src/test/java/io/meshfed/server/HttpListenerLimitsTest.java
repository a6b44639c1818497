package io.meshfed.server;

import static io.meshfed.server.RawConnections.closedByServer;
import static io.meshfed.server.RawConnections.loopback;
import static io.meshfed.server.RawConnections.readUntilClosed;
import static io.meshfed.server.RawConnections.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API's listener against clients that hold connections without using them, with the
 * shipped defaults (per-client cap 200, request-header timeout 10 s): valid clients are served
 * throughout, and silent or trickling connections are closed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpListenerLimitsTest {
  /** Each valid request must be answered within this while the server is under attack. */
  private static final Duration VALID_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  @TempDir static Path dir;
  MeshfedServer server;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(VALID_REQUEST_TIMEOUT).build();

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    TestServers.stop(server);
  }

  @Test
  void elevenHundredSilentConnectionsFromOneClientDoNotKeepOthersOut() throws Exception {
    try (RawConnections attacker = new RawConnections()) {
      for (int i = 0; i < 1_100; i++) {
        attacker.open(loopback(2), server.httpPort());
      }
      for (int i = 0; i < 20; i++) {
        assertThat(validRequest().statusCode()).isEqualTo(200);
      }
      // Beyond its 200, the attacker's connections were answered at once and closed.
      Socket refused = attacker.sockets().get(1_099);
      assertThat(readUntilClosed(refused, Duration.ofSeconds(5)))
          .startsWith("HTTP/1.1 429 Too Many Requests")
          .endsWith("too many connections from 127.0.0.2: 200 are open, the limit is 200 "
              + "(meshfed.limits.http.max-connections-per-client)");
      // The 200 it holds are closed once the request-header timeout (10 s) has passed.
      Awaitility.await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(200)).until(() ->
          attacker.sockets().subList(0, 200).stream().allMatch(RawConnections::closedByServer));
      assertThat(validRequest().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void tricklingClientsAreAnsweredWith408AndClosed() throws Exception {
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    try (RawConnections attacker = new RawConnections()) {
      List<Socket> slow = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Socket s = attacker.open(loopback(3), server.httpPort());
        send(s, "GET /v1/status/leader HTTP/1.1\r\nHost: x\r\n");
        slow.add(s);
      }
      // One more header line per connection every second: never a complete request head.
      trickle.scheduleAtFixedRate(() -> slow.forEach(s -> {
        try {
          send(s, "X-Slow: " + System.nanoTime() + "\r\n");
        } catch (java.io.IOException closed) {
          // the server closed it, as it should
        }
      }), 1, 1, TimeUnit.SECONDS);
      assertThat(validRequest().statusCode()).isEqualTo(200);
      for (Socket s : slow) {
        assertThat(readUntilClosed(s, Duration.ofSeconds(20)))
            .startsWith("HTTP/1.1 408 Request Timeout")
            .contains("request head not complete within 10s (meshfed.limits.http.request-header-timeout)");
      }
    } finally {
      trickle.shutdownNow();
    }
  }

  @Test
  void aBlockingReadLongerThanTwentySecondsAnswers200() throws Exception {
    long index = TestServers.index(TestServers.get(server, "/v1/internal/federation-states", null));
    long started = System.nanoTime();
    HttpResponse<String> r = TestServers.get(server,
        "/v1/internal/federation-states?index=" + index + "&wait=21s", null);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(TestServers.index(r)).isEqualTo(index);
    // It waited its whole wait: the answer is the wait running out, not a timeout of the server.
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(21));
  }

  private HttpResponse<String> validRequest() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://" + server.httpAddress() + "/v1/status/leader"))
        .timeout(VALID_REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
