package io.meshfed.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.server.config.ServerConfigLoader;
import io.meshfed.protocol.model.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;

/** Starts real servers on free ports and talks to their HTTP API, for the tests of this module. */
final class TestServers {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestServers() {}

  static MeshfedServer start(Path dataDir, Map<String, Object> extra) {
    return start(dataDir, extra, com.typesafe.config.ConfigFactory.empty());
  }

  /** With Pekko settings over the server's own, as {@link MeshfedServer#start(ServerConfig, com.typesafe.config.Config)}. */
  static MeshfedServer start(Path dataDir, Map<String, Object> extra, com.typesafe.config.Config pekko) {
    Map<String, Object> overrides = new HashMap<>(extra);
    overrides.put("data-dir", dataDir.toString());
    overrides.put("node-name", "n1");
    ServerConfig config = ServerConfigLoader.load(Optional.empty(), true, overrides);
    MeshfedServer server = MeshfedServer.start(config, pekko);
    settled(server);
    return server;
  }

  /**
   * Waits for the one write a lone primary makes by itself: anti-entropy storing its DC's own
   * federation state. Tests that compare indexes or lists then see only their own writes.
   */
  static void settled(MeshfedServer server) {
    ServerConfig c = server.config();
    String token = c.acl().tokens().stream().map(ServerConfig.Token::secret).findFirst().orElse(null);
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
        get(server, "/v1/internal/federation-state/" + c.datacenter(), token).statusCode() == 200);
  }

  static void stop(MeshfedServer server) throws Exception {
    try {
      server.stop().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // What still runs is what holds the stop up: the report shows it. Servers of one DC share
      // thread names, so the actors this server still has come first.
      StringBuilder dump = new StringBuilder("server " + server.config().nodeName() + " did not stop within 60s;"
          + " its actors:\n" + ((org.apache.pekko.actor.ActorSystemImpl)
              org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(server.system())).printTree()
          + "\nthreads:\n");
      Thread.getAllStackTraces().forEach((thread, stack) -> {
        dump.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
        for (StackTraceElement frame : stack) {
          dump.append("    at ").append(frame).append('\n');
        }
      });
      System.err.println(dump);
      throw e;
    }
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The journal options of the test PostgreSQL; skips the calling test when none is provisioned. */
  static Map<String, Object> postgres() {
    String url = System.getenv("MESHFED_TEST_PG_URL");
    org.junit.jupiter.api.Assumptions.assumeTrue(url != null,
        "PostgreSQL not provisioned (set MESHFED_TEST_PG_URL; bin/test does)");
    return Map.of("persistence.journal", "postgres", "persistence.postgres.url", url,
        "persistence.postgres.user", System.getenv().getOrDefault("MESHFED_TEST_PG_USER", "meshfed"),
        "persistence.postgres.password", System.getenv().getOrDefault("MESHFED_TEST_PG_PASSWORD", "meshfed"));
  }

  /** How many members {@code s} lists as alive (GET /v1/agent/members). */
  static long aliveMembers(MeshfedServer s) throws IOException, InterruptedException {
    long alive = 0;
    for (JsonNode m : json(get(s, "/v1/agent/members", null))) {
      if (m.get("Status").asText().equals("alive")) {
        alive++;
      }
    }
    return alive;
  }

  static HttpResponse<String> get(MeshfedServer s, String path, String token) throws IOException, InterruptedException {
    var b = HttpRequest.newBuilder(URI.create("http://" + s.httpAddress() + path)).timeout(Duration.ofSeconds(90));
    if (token != null) {
      b.header("X-Meshfed-Token", token);
    }
    return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> put(MeshfedServer s, String path, String body, String token)
      throws IOException, InterruptedException {
    var b = HttpRequest.newBuilder(URI.create("http://" + s.httpAddress() + path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> delete(MeshfedServer s, String path, String token)
      throws IOException, InterruptedException {
    var b = HttpRequest.newBuilder(URI.create("http://" + s.httpAddress() + path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("X-Meshfed-Token", token);
    }
    return HTTP.send(b.DELETE().build(), HttpResponse.BodyHandlers.ofString());
  }

  static long index(HttpResponse<?> r) {
    return Long.parseLong(r.headers().firstValue("X-Meshfed-Index").orElseThrow());
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return Json.mapper().readTree(r.body());
  }

  /** An upsert body for {@code dc} with one mesh gateway whose service meta is {@code meta}. */
  static String upsert(String dc, String gatewayNode, String metaJson) {
    return """
        {"Op":"upsert","State":{"Datacenter":"%s","MeshGateways":[
          {"Node":{"Node":"%s","Address":"10.0.2.1","Datacenter":"%s"},
           "Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Kind":"mesh-gateway","Port":8443,
             "Meta":%s,
             "TaggedAddresses":{"lan":{"Address":"10.0.2.1","Port":8443},"wan":{"Address":"198.51.100.2","Port":443}}},
           "Checks":[{"Node":"%s","CheckID":"gw-alive","Name":"gateway alive","Status":"passing","ServiceID":"mesh-gateway"}]}]}}
        """.formatted(dc, gatewayNode, dc, metaJson, gatewayNode);
  }

  static String upsert(String dc) {
    return upsert(dc, "gw-" + dc, "{\"meshfed-wan-federation\":\"1\"}");
  }
}
