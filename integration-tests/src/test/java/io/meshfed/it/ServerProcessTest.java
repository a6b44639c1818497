package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.protocol.model.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user does, with real processes from the runnable jar:
 * start a dev server, write a federation state with the CLI, read it over HTTP, stop it with
 * SIGTERM, start it again on the same data dir, and find everything as it was.
 */
class ServerProcessTest {
  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration CLI = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  static final String STATE = """
      {"Datacenter":"dc2","MeshGateways":[
        {"Node":{"Node":"gw1.dc2.example.com","Address":"10.0.2.1","Datacenter":"dc2"},
         "Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Kind":"mesh-gateway","Port":8443,
                    "Meta":{"meshfed-wan-federation":"1"},
                    "TaggedAddresses":{"lan":{"Address":"10.0.2.1","Port":8443},"wan":{"Address":"198.51.100.2","Port":443}}},
         "Checks":[{"Node":"gw1.dc2.example.com","CheckID":"alive","Name":"alive","Status":"passing","ServiceID":"mesh-gateway"}]}]}
      """;

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void devServerApplyRestartAndEverythingIsStillThere() throws Exception {
    Path data = dir.resolve("data");
    int http = MeshfedProcess.freePort();
    int grpc = MeshfedProcess.freePort();
    String[] serverArgs = {"server", "--dev", "--node", "n1", "--data-dir", data.toString(),
        "--http-port", Integer.toString(http), "--grpc-port", Integer.toString(grpc)};
    String addr = "127.0.0.1:" + http;
    Path stateFile = dir.resolve("s.json");
    Files.writeString(stateFile, STATE);

    String listBefore;
    long indexBefore;
    String oneBefore;
    try (MeshfedProcess server = MeshfedProcess.start(serverArgs)) {
      String ready = server.awaitReady(READY);
      assertThat(ready).contains("HTTP " + addr).contains("gRPC 127.0.0.1:" + grpc).contains("datacenter dc1");

      // The DC's own state, written by anti-entropy from its (empty) list of gateways.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(get(http, "/v1/internal/federation-states").body())
              .startsWith("[{\"Datacenter\":\"dc1\",\"MeshGateways\":[]").doesNotContain("dc2"));
      assertThat(get(http, "/v1/internal/federation-state/dc9").statusCode()).isEqualTo(404);

      var apply = MeshfedProcess.run(CLI, "federation-state", "apply", stateFile.toString(), "--http-addr", addr);
      assertThat(apply.exitCode()).as(apply.stderr().toString()).isZero();
      assertThat(apply.out()).contains("dc2");

      HttpResponse<String> list = get(http, "/v1/internal/federation-states");
      JsonNode states = Json.mapper().readTree(list.body());
      assertThat(states).extracting(st -> st.get("Datacenter").asText()).containsExactly("dc1", "dc2");
      assertThat(get(http, "/v1/internal/federation-state/dc2").statusCode()).isEqualTo(200);
      JsonNode gateways = Json.mapper().readTree(get(http, "/v1/internal/federation-states/mesh-gateways").body());
      assertThat(gateways.at("/dc2/0/Node/Node").asText()).isEqualTo("gw1.dc2.example.com");

      var table = MeshfedProcess.run(CLI, "federation-state", "list", "--http-addr", addr);
      assertThat(table.exitCode()).isZero();
      assertThat(table.out()).contains("dc2");

      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          get(http, "/v1/operator/routines").body().contains("\"Running\":true"));
      var routines = MeshfedProcess.run(CLI, "operator", "routines", "--http-addr", addr);
      assertThat(routines.exitCode()).as(routines.stderr().toString()).isZero();
      assertThat(routines.out()).contains("Leader: n1").containsPattern("member-reconcile +yes +0");

      listBefore = list.body();
      indexBefore = Long.parseLong(list.headers().firstValue("X-Meshfed-Index").orElseThrow());
      oneBefore = get(http, "/v1/internal/federation-state/dc2").body();

      int exit = server.terminate(Duration.ofSeconds(30));
      assertThat(exit).as("exit code after SIGTERM").isIn(0, 143);
      assertThat(server.stderr).noneMatch(l -> l.contains(" ERROR "));
    }

    try (MeshfedProcess again = MeshfedProcess.start(serverArgs)) {
      again.awaitReady(READY);
      HttpResponse<String> list = get(http, "/v1/internal/federation-states");
      assertThat(list.body()).isEqualTo(listBefore);
      assertThat(Long.parseLong(list.headers().firstValue("X-Meshfed-Index").orElseThrow())).isEqualTo(indexBefore);
      assertThat(get(http, "/v1/internal/federation-state/dc2").body()).isEqualTo(oneBefore);

      var missing = MeshfedProcess.run(CLI, "federation-state", "get", "dc9", "--http-addr", addr);
      assertThat(missing.exitCode()).isEqualTo(1);
      assertThat(missing.stderr()).hasSize(1);

      var badFile = MeshfedProcess.run(CLI, "federation-state", "apply", dir.resolve("nope.json").toString(),
          "--http-addr", addr);
      assertThat(badFile.exitCode()).isEqualTo(1);
      assertThat(badFile.stderr()).hasSize(1);
      assertThat(badFile.stderr().get(0)).startsWith("Error: ");

      Path noDc = dir.resolve("nodc.json");
      Files.writeString(noDc, "{\"MeshGateways\":[]}");
      var rejected = MeshfedProcess.run(CLI, "federation-state", "apply", noDc.toString(), "--http-addr", addr);
      assertThat(rejected.exitCode()).isEqualTo(1);
      assertThat(rejected.stderr()).hasSize(1);
      assertThat(get(http, "/v1/internal/federation-states").body()).isEqualTo(listBefore);

      // Rejected by the server, not the CLI: 65 meta pairs on the gateway's service.
      StringBuilder meta = new StringBuilder();
      for (int i = 0; i < 65; i++) {
        meta.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
      }
      Path tooMuchMeta = dir.resolve("meta.json");
      Files.writeString(tooMuchMeta, STATE.replace("\"meshfed-wan-federation\":\"1\"", meta));
      var serverRejected = MeshfedProcess.run(CLI, "federation-state", "apply", tooMuchMeta.toString(),
          "--http-addr", addr);
      assertThat(serverRejected.exitCode()).isEqualTo(1);
      assertThat(serverRejected.stderr()).containsExactly(
          "Error: invalid request: mesh gateway 1 service meta: 65 pairs exceed the limit of 64");
      assertThat(get(http, "/v1/internal/federation-states").body()).isEqualTo(listBefore);

      var usage = MeshfedProcess.run(CLI, "federation-state", "list", "--frobnicate");
      assertThat(usage.exitCode()).isEqualTo(2);
      again.terminate(Duration.ofSeconds(30));
    }
  }

  @Test
  void badConfigStopsStartUpWithOneLine() throws Exception {
    Path conf = dir.resolve("bad.conf");
    Files.writeString(conf, "meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = \""
        + dir.resolve("d") + "\", ports.http = lots }\n");
    var r = MeshfedProcess.run(CLI, "server", "--config-file", conf.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).containsExactly("Error: meshfed.ports.http: expected a whole number");
    assertThat(r.stdout()).isEmpty();
  }

  /** A port in use is the first and only thing said: before the journal, the cluster or a log line. */
  @Test
  void aPortInUseStopsStartUpBeforeAnythingStarts() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      var r = MeshfedProcess.run(CLI, "server", "--dev", "--data-dir", dir.resolve("d").toString(),
          "--grpc-port", Integer.toString(taken.getLocalPort()));
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.stderr()).containsExactly("Error: cannot listen on 127.0.0.1:" + taken.getLocalPort()
          + " for the gRPC API: address already in use (meshfed.ports.grpc)");
      assertThat(r.stdout()).isEmpty();
      assertThat(dir.resolve("d")).doesNotExist();
    }
  }

  @Test
  void serverWithoutModeIsAUsageError() throws Exception {
    var r = MeshfedProcess.run(CLI, "server");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr()).hasSize(1);
  }
}
