package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.protocol.model.Json;
import io.meshfed.server.api.http.HttpApiFuzzTest;
import io.meshfed.transport.fuzz.Fuzz;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API's PUTs with mutated bodies and its GETs with random query strings, against one real
 * server: every refusal is a 4xx with one plain-text line, never a 5xx; what no successful call
 * wrote is left as it was, and valid requests still succeed afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiEndToEndFuzzTest {
  /** The PUT path of each body type, in {@link HttpApiFuzzTest#validBody}' order. */
  private static final List<String> PUTS = List.of("/v1/internal/federation-state", "/v1/catalog/register",
      "/v1/catalog/deregister", "/v1/catalog/check-update", "/v1/acl/policy", "/v1/acl/token");
  private static final List<String> GETS = List.of("/v1/internal/federation-states",
      "/v1/internal/federation-state/dc2", "/v1/catalog/service/web", "/v1/health/service/web",
      "/v1/internal/federation-states/mesh-gateways", "/v1/internal/catalog/services");
  private static final List<String> QUERY_VALUES = List.of("", "0", "1", "-1", "18446744073709551616", "1ms",
      "10ms", "-1s", "1e3", "dc1", "DC1", "dc9", "a%0Ab", "%FF", "%25", "%00", "x".repeat(300), "1h", "9999999999h");

  @TempDir static Path dir;
  private MeshfedServer server;
  private final Set<String> written = ConcurrentHashMap.newKeySet();

  @BeforeAll
  void start() throws Exception {
    server = TestServers.start(dir.resolve("data"), Map.of());
    assertThat(TestServers.put(server, PUTS.get(0), TestServers.upsert("dc2"), null).statusCode()).isEqualTo(200);
    assertThat(TestServers.put(server, PUTS.get(1), HttpApiFuzzTest.validBody(1), null).statusCode()).isEqualTo(200);
  }

  @AfterAll
  void stop() throws Exception {
    if (server != null) {
      TestServers.stop(server);
    }
  }

  @Test
  void hostileRequestsGetOneLine4xxAndChangeNothing() throws Exception {
    Map<String, String> before = snapshot();
    int previous = Fuzz.tries();
    // Each case is a real HTTP exchange: a few hundred of them, a twentieth of the parser's count.
    System.setProperty(Fuzz.TRIES, String.valueOf(Math.max(1, previous / 25)));
    try {
      Fuzz.runAsync("HTTP API end to end", 4, 30, c -> {
        HttpRequest request;
        int which = c.random.nextInt(PUTS.size());
        boolean put = c.random.nextInt(3) > 0;
        if (put) {
          byte[] body = c.input(HttpApiFuzzTest.mutatedBody(c.random, which));
          bodies.put(c.seed, body);
          request = HttpRequest.newBuilder(uri(PUTS.get(which))).timeout(Duration.ofSeconds(20))
              .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        } else {
          StringBuilder q = new StringBuilder(GETS.get(which)).append('?');
          for (String key : List.of("index", "wait", "dc", "passing", "kind")) {
            if (c.random.nextBoolean()) {
              q.append(key).append('=').append(QUERY_VALUES.get(c.random.nextInt(QUERY_VALUES.size()))).append('&');
            }
          }
          request = HttpRequest.newBuilder(uri(c.input(q.toString()))).timeout(Duration.ofSeconds(20)).GET().build();
        }
        return TestServers.HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(r -> {
          // A valid DC name other than this one is a call this plaintext test server cannot forward:
          // the documented 503, not a decoding failure.
          boolean remote = r.statusCode() == 503 && r.body().startsWith("No path to datacenter ");
          assertThat(r.statusCode() < 500 || remote).as("%s %s: %d %s", request.method(), request.uri(),
              r.statusCode(), r.body()).isTrue();
          if (r.statusCode() >= 400) {
            assertThat(r.body().strip()).as(request.uri().toString()).doesNotContain("\n").isNotBlank()
                .doesNotContainPattern(HttpApiFuzzTest.CLASS_NAME);
          } else if (put) {
            written.add(key(which, request.bodyPublisher().isPresent() ? c : null));
          }
        });
      });
    } finally {
      System.setProperty(Fuzz.TRIES, String.valueOf(previous));
    }
    Map<String, String> after = snapshot();
    if (!written.contains("*")) {
      before.forEach((key, value) -> {
        if (!written.contains(key)) {
          assertThat(after.get(key)).as("%s, which no successful call wrote", key).isEqualTo(value);
        }
      });
      after.keySet().forEach(key -> assertThat(before.containsKey(key) || written.contains(key))
          .as("%s appeared without a successful write", key).isTrue());
    }
    assertThat(TestServers.put(server, PUTS.get(0), TestServers.upsert("dc3"), null).statusCode()).isEqualTo(200);
    assertThat(TestServers.get(server, "/v1/internal/federation-state/dc3", null).statusCode()).isEqualTo(200);
  }

  /** The record a successful PUT wrote: its body decoded as the server did; "*" when it cannot be told. */
  private final Map<Long, byte[]> bodies = new ConcurrentHashMap<>();

  private String key(int which, Fuzz.Case c) {
    try {
      JsonNode body = Json.mapper().readTree(bodies.get(c.seed));
      return switch (which) {
        case 0 -> "fs:" + body.path("State").path("Datacenter").asText().toLowerCase(java.util.Locale.ROOT);
        case 4, 5 -> "acl";
        default -> "node:" + body.path("Node").asText();
      };
    } catch (Exception e) {
      return "*";
    }
  }

  private URI uri(String path) {
    return URI.create("http://" + server.httpAddress() + path);
  }

  private Map<String, String> snapshot() throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (String path : List.of("/v1/internal/federation-states", "/v1/catalog/service/web")) {
      HttpResponse<String> r = TestServers.get(server, path, null);
      assertThat(r.statusCode()).isEqualTo(200);
      for (JsonNode record : Json.mapper().readTree(r.body())) {
        String dc = record.path("Datacenter").asText(record.path("State").path("Datacenter").asText());
        out.put(path.contains("federation") ? "fs:" + dc.toLowerCase(java.util.Locale.ROOT)
            : "node:" + record.path("Node").asText(), record.toString());
      }
    }
    return out;
  }
}
