package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.protocol.model.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code --log-format json}: a server and a gateway, real processes from the runnable jar, write
 * every line of their log, from start to stop, as one JSON object naming their datacenter and
 * node, and a leader routine's lines name the routine.
 */
class JsonLogsProcessTest {
  private static final Duration READY = Duration.ofSeconds(90);

  @Test
  void aServerAndAGatewayLogOneJsonObjectPerLine() throws Exception {
    int http = MeshfedProcess.freePort();
    int grpc = MeshfedProcess.freePort();
    int gatewayPort = MeshfedProcess.freePort();
    int adminPort = MeshfedProcess.freePort();
    List<JsonNode> server;
    List<JsonNode> gateway;
    try (MeshfedProcess s = MeshfedProcess.start("server", "--dev", "--node", "n1", "--log-format", "json",
        "--http-port", Integer.toString(http), "--grpc-port", Integer.toString(grpc))) {
      s.awaitReady(READY);
      // Anti-entropy, a leader routine, stores the DC's own state once it has started.
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          s.stderrText().contains("\"routine\":\"federation-state-anti-entropy\""));
      try (MeshfedProcess g = MeshfedProcess.start("gateway", "--datacenter", "dc1", "--name", "gw1",
          "--listen", "127.0.0.1:" + gatewayPort, "--admin-port", Integer.toString(adminPort),
          "--server-addr", "127.0.0.1:" + grpc, "--register", "--log-format", "json")) {
        g.awaitReady(READY);
        assertThat(g.terminate(Duration.ofSeconds(60))).isEqualTo(143);
        gateway = lines(g.stderrText());
      }
      assertThat(s.terminate(Duration.ofSeconds(60))).isEqualTo(143);
      server = lines(s.stderrText());
    }

    assertThat(server).isNotEmpty().allSatisfy(line -> {
      assertThat(line.get("dc").asText()).isEqualTo("dc1");
      assertThat(line.get("node").asText()).isEqualTo("n1");
    });
    assertThat(server).anySatisfy(line ->
        assertThat(line.path("routine").asText()).isEqualTo("federation-state-anti-entropy"));
    // Written while the server stops: JSON to the end.
    assertThat(server).anySatisfy(line -> assertThat(line.get("message").asText()).startsWith("leadership lost"));
    assertThat(gateway).isNotEmpty().allSatisfy(line -> {
      assertThat(line.get("dc").asText()).isEqualTo("dc1");
      assertThat(line.get("node").asText()).isEqualTo("gw1");
    });
  }

  /** Every line is an object with the fields every event has; anything else fails the test. */
  private static List<JsonNode> lines(String stderr) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String text : stderr.split("\n")) {
      if (text.isEmpty()) {
        continue;
      }
      JsonNode line = Json.mapper().readTree(text);
      assertThat(line.isObject()).as(text).isTrue();
      for (String field : List.of("time", "level", "logger", "thread", "message")) {
        assertThat(line.hasNonNull(field)).as(field + " in " + text).isTrue();
      }
      out.add(line);
    }
    return out;
  }
}
