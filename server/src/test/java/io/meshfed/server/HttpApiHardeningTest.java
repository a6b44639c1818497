package io.meshfed.server;

import static io.meshfed.server.RawConnections.loopback;
import static io.meshfed.server.RawConnections.readUntilClosed;
import static io.meshfed.server.RawConnections.send;
import static io.meshfed.server.TestServers.get;
import static io.meshfed.server.TestServers.index;
import static io.meshfed.server.TestServers.put;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API with ACLs on and small limits: what a client that breaks them gets (one line, the
 * right status, the option to change), and that nothing is stored meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiHardeningTest {
  private static final String WRITER = "writer-secret";

  @TempDir static Path dir;
  MeshfedServer server;

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.of(
        "acl.enabled", true,
        "acl.tokens", List.of(Map.of("secret", WRITER, "policy", "operator:write")),
        "limits.http.max-connections", 30,
        "limits.http.max-connections-per-client", 10,
        "limits.http.request-header-timeout", "2s",
        "limits.http.request-body-timeout", "1s",
        "limits.http.idle-timeout", "1s",
        "limits.http.max-request-body", "256KiB",
        "limits.blocking-reads", 3));
  }

  @AfterAll
  void stop() throws Exception {
    TestServers.stop(server);
  }

  @Test
  void anUnauthorizedWriteIsRefusedBeforeItsBodyIsRead() throws Exception {
    long before = storeIndex();
    HttpResponse<String> malformed = put(server, "/v1/internal/federation-state", "{not json", null);
    assertThat(malformed.statusCode()).isEqualTo(403);
    assertThat(malformed.body()).isEqualTo("Permission denied");
    try (RawConnections raw = new RawConnections()) {
      // 100 MB announced, one byte sent: the token is checked first, and the body is never waited for.
      Socket s = raw.open(loopback(1), server.httpPort());
      send(s, "PUT /v1/catalog/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n{");
      assertThat(readUntilClosed(s, Duration.ofSeconds(10))).startsWith("HTTP/1.1 403").endsWith("Permission denied");
    }
    assertThat(storeIndex()).isEqualTo(before);
  }

  @Test
  void bodiesOverTheLimitOrTooSlowGetMeshfedsOwnAnswer() throws Exception {
    long before = storeIndex();
    String big = "{\"Op\":\"upsert\",\"State\":{\"Datacenter\":\"dc2\",\"Pad\":\"" + "x".repeat(300_000) + "\"}}";
    HttpResponse<String> declared = put(server, "/v1/internal/federation-state", big, WRITER);
    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(declared.body()).isEqualTo(
        "request body exceeds the limit of 262144 bytes (meshfed.limits.http.max-request-body)");
    try (RawConnections raw = new RawConnections()) {
      Socket chunked = raw.open(loopback(1), server.httpPort());
      StringBuilder request = new StringBuilder("PUT /v1/internal/federation-state HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: Bearer " + WRITER + "\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 40; i++) {
        request.append("2000\r\n").append("y".repeat(0x2000)).append("\r\n");
      }
      send(chunked, request.toString());
      assertThat(readUntilClosed(chunked, Duration.ofSeconds(10))).startsWith("HTTP/1.1 413")
          .endsWith("request body exceeds the limit of 262144 bytes (meshfed.limits.http.max-request-body)");

      Socket slow = raw.open(loopback(1), server.httpPort());
      send(slow, "PUT /v1/internal/federation-state HTTP/1.1\r\nHost: x\r\nX-Meshfed-Token: " + WRITER
          + "\r\nContent-Length: 50\r\n\r\n{\"Op\":");
      assertThat(readUntilClosed(slow, Duration.ofSeconds(10))).startsWith("HTTP/1.1 408")
          .endsWith("request body not complete within 1s (meshfed.limits.http.request-body-timeout)");
    }
    assertThat(storeIndex()).isEqualTo(before);
  }

  @Test
  void connectionsOverTheCapsAreRefusedWithOneLine() throws Exception {
    try (RawConnections raw = new RawConnections()) {
      for (int i = 0; i < 10; i++) {
        raw.open(loopback(4), server.httpPort());
      }
      Socket eleventh = raw.open(loopback(4), server.httpPort());
      assertThat(readUntilClosed(eleventh, Duration.ofSeconds(5))).startsWith("HTTP/1.1 429")
          .endsWith("the limit is 10 (meshfed.limits.http.max-connections-per-client)");
      for (int client = 5; client < 7; client++) {
        for (int i = 0; i < 10; i++) {
          raw.open(loopback(client), server.httpPort());
        }
      }
      Socket overTotal = raw.open(loopback(7), server.httpPort());
      assertThat(readUntilClosed(overTotal, Duration.ofSeconds(5))).startsWith("HTTP/1.1 503")
          .contains("the limit is 30 (meshfed.limits.http.max-connections); retry later");
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedButALongBlockingReadIsNot() throws Exception {
    try (RawConnections raw = new RawConnections()) {
      Socket keepAlive = raw.open(loopback(1), server.httpPort());
      send(keepAlive, "GET /v1/status/leader HTTP/1.1\r\nHost: x\r\nX-Meshfed-Token: " + WRITER + "\r\n\r\n");
      String answered = readUntilClosed(keepAlive, Duration.ofSeconds(10));
      assertThat(answered).startsWith("HTTP/1.1 200").doesNotEndWith("<still open>");

      // A blocking read three times as long as the idle timeout is in progress, not idle.
      long index = index(get(server, "/v1/internal/federation-states", WRITER));
      HttpResponse<String> read = get(server, "/v1/internal/federation-states?index=" + index + "&wait=3s", WRITER);
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(index(read)).isEqualTo(index);
    }
  }

  @Test
  void blockingReadsOverTheirBoundAreRefusedAtOnce() throws Exception {
    long index = storeIndex();
    String parked = "/v1/internal/federation-states?index=" + index + "&wait=60s";
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> waiting = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return get(server, parked, WRITER);
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      }));
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
        get(server, "/v1/agent/metrics", WRITER).body().contains("meshfed_api_blocking_reads_waiting 3"));
    HttpResponse<String> fourth = get(server, parked, WRITER);
    assertThat(fourth.statusCode()).isEqualTo(503);
    assertThat(fourth.body()).isEqualTo("too many blocking reads are waiting: 3 (meshfed.limits.blocking-reads); retry");
    // A read that does not block is not held back.
    assertThat(get(server, "/v1/internal/federation-states", WRITER).statusCode()).isEqualTo(200);
    // A write wakes the three; their slots are free again.
    assertThat(put(server, "/v1/internal/federation-state", TestServers.upsert("dc6"), WRITER).statusCode())
        .isEqualTo(200);
    for (var read : waiting) {
      assertThat(read.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> again = get(server, "/v1/internal/federation-states?index=1&wait=1s", WRITER);
    assertThat(again.statusCode()).isEqualTo(200);
  }

  @Test
  void errorsAreOneBoundedLineWithoutClassNames() throws Exception {
    HttpResponse<String> hugeUri = get(server, "/v1/internal/federation-state/" + "d".repeat(100_000), WRITER);
    assertThat(hugeUri.statusCode()).isEqualTo(414);
    assertThat(hugeUri.body()).startsWith("invalid HTTP request: URI length exceeds the configured limit");
    HttpResponse<String> longName = get(server, "/v1/internal/federation-states?index=" + "9".repeat(1_500), WRITER);
    assertThat(longName.statusCode()).isEqualTo(400);
    assertThat(longName.body()).isEqualTo("Invalid index: '" + "9".repeat(64) + "'…(1500 chars) is not a "
        + "non-negative integer");

    HttpResponse<String> wrongType = put(server, "/v1/catalog/register",
        "{\"Node\":\"n\",\"Address\":\"10.0.0.1\",\"Service\":{\"Service\":\"s\",\"Port\":\"eighty\"}}", WRITER);
    assertThat(wrongType.statusCode()).isEqualTo(400);
    assertThat(wrongType.body()).isEqualTo("Request decode failed: Service.Port: expected a number");

    HttpResponse<String> outOfRange = put(server, "/v1/internal/federation-state",
        "{\"Op\":\"upsert\",\"State\":{\"Datacenter\":\"dc3\",\"PrimaryModifyIndex\":18446744073709551615}}", WRITER);
    assertThat(outOfRange.statusCode()).isEqualTo(400);
    assertThat(outOfRange.body()).isEqualTo("Request decode failed: State.PrimaryModifyIndex: number out of range");

    HttpResponse<String> broken = put(server, "/v1/catalog/register", "{\"Node\":", WRITER);
    assertThat(broken.body()).startsWith("Request decode failed: malformed JSON at line 1, column");

    HttpResponse<String> controls = get(server, "/v1/health/service/x?index=%07%0A%1B", WRITER);
    assertThat(controls.statusCode()).isEqualTo(400);
    assertThat(controls.body()).isEqualTo("Invalid index: '\\u0007\\n\\u001B' is not a non-negative integer");
    for (HttpResponse<String> r : List.of(hugeUri, longName, wrongType, outOfRange, broken, controls)) {
      assertThat(r.body()).doesNotContainPattern("\\p{Cntrl}").doesNotContain("java.", "`");
    }
  }

  @Test
  void unparsableRequestsAreCountedNotLogged() throws Exception {
    try (RawConnections raw = new RawConnections(); TestLogs logs = TestLogs.warnings()) {
      for (int i = 0; i < 200; i++) {
        Socket s = raw.open(loopback(8 + i % 8), server.httpPort());
        send(s, "GET /\u0001\u0002 HTTP/9.9\r\n\r\n");
        assertThat(readUntilClosed(s, Duration.ofSeconds(5))).startsWith("HTTP/1.1 400")
            .contains("invalid HTTP request:").doesNotContain("\n\n\n");
        raw.close();
      }
      assertThat(logs.lines()).as("WARN and ERROR lines during 200 bad requests").isEmpty();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(get(server, "/v1/agent/metrics", WRITER).body())
            .containsPattern("meshfed_api_bad_requests_total\\{api=\"http\"} [1-9][0-9]{2,}"));
  }

  @Test
  void theListenersAndTheServerPortAreInTheMetricsWellFormed() throws Exception {
    String text = get(server, "/v1/agent/metrics", WRITER).body();
    java.util.Map<String, Long> declared = new java.util.HashMap<>();
    java.util.Set<String> histograms = new java.util.HashSet<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        declared.merge(line.split(" ")[2], 1L, Long::sum);
        if (line.endsWith(" histogram")) {
          histograms.add(line.split(" ")[2]);
        }
      } else if (!line.startsWith("# HELP ")) {
        // (the registry's histograms' sums are doubles, which may come with an exponent)
        assertThat(line).matches("[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*})? -?[0-9.]+(E-?[0-9]+)?");
        String name = line.split("[{ ]")[0];
        // a histogram's samples are its name with _bucket, _sum or _count
        String family = histograms.stream().filter(h -> name.equals(h + "_bucket") || name.equals(h + "_sum")
            || name.equals(h + "_count")).findFirst().orElse(name);
        assertThat(declared).as("TYPE before the samples of " + line).containsKey(family);
      }
    }
    assertThat(declared.values()).as("one TYPE per family").containsOnly(1L);
    assertThat(text).contains("meshfed_api_connections_open{api=\"http\"}", "meshfed_api_connections_open{api=\"grpc\"}",
        "meshfed_api_connections_refused_total{api=\"http\",reason=\"per_client_limit\"}",
        "meshfed_server_port_refused_total{reason=\"connection_limit\"} 0",
        "meshfed_rpc_server_protocol_errors_total 0", "meshfed_gossip_received_dropped_total{reason=\"undecodable_packet\"}");
  }

  private long storeIndex() throws Exception {
    return index(get(server, "/v1/internal/federation-states", WRITER));
  }
}
