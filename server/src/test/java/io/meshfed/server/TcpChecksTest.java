package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader runs registered TCP checks (what keeps a dead gateway's check critical without an
 * agent): a listening address passes, a closed one turns critical, a bad definition is refused.
 */
class TcpChecksTest {
  @TempDir Path dir;
  private MeshfedServer server;

  @BeforeEach
  void start() {
    server = TestServers.start(dir, Map.of());
  }

  @AfterEach
  void stop() throws Exception {
    TestServers.stop(server);
  }

  @Test
  void aTcpCheckFollowsWhetherItsAddressListens() throws Exception {
    try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = listening.getLocalPort();
      HttpResponse<String> r = TestServers.put(server, "/v1/catalog/register", gateway(port, "1s"), null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        JsonNode check = check();
        assertThat(check.get("Status").asText()).isEqualTo("passing");
        assertThat(check.get("Output").asText()).isEqualTo("TCP connect 127.0.0.1:" + port + ": Success");
        assertThat(check.at("/Definition/TCP").asText()).isEqualTo("127.0.0.1:" + port);
      });
    }
    // The socket is closed: the next probe (at most an interval later) finds nothing listening.
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode check = check();
      assertThat(check.get("Status").asText()).isEqualTo("critical");
      assertThat(check.get("Output").asText()).startsWith("dial tcp 127.0.0.1:");
    });
  }

  @Test
  void aBadDefinitionIsRefusedAndRegistersNothing() throws Exception {
    for (String[] bad : new String[][] {
        {gateway(0, "1s"), "service port 0: a mesh gateway needs a port in 1-65535"},
        {gateway(8443, "100ms"), "invalid check \"gw-listening\": Definition.Interval must be a duration of at "
            + "least 1s (e.g. \"10s\"), got \"100ms\""},
        {gateway(8443, "often"), "invalid check \"gw-listening\": Definition.Interval must be a duration of at "
            + "least 1s (e.g. \"10s\"), got \"often\""}}) {
      HttpResponse<String> r = TestServers.put(server, "/v1/catalog/register", bad[0], null);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).isEqualTo(bad[1]);
    }
    // The catalog's index moves with the server's own registration, so the entries tell.
    assertThat(TestServers.get(server, "/v1/catalog/service/mesh-gateway", null).body()).isEqualTo("[]");
  }

  private JsonNode check() throws Exception {
    JsonNode entries = TestServers.json(TestServers.get(server, "/v1/health/service/mesh-gateway", null));
    assertThat(entries).hasSize(1);
    return entries.get(0).at("/Checks/0");
  }

  private static String gateway(int port, String interval) {
    return """
        {"Node":"gw1","Address":"127.0.0.1",
         "Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Kind":"mesh-gateway","Port":%d,
                    "Meta":{"meshfed-wan-federation":"1"}},
         "Checks":[{"CheckID":"gw-listening","Name":"mesh gateway listening","ServiceID":"mesh-gateway",
                    "Definition":{"TCP":"127.0.0.1:%d","Interval":"%s","Timeout":"1s"}}]}
        """.formatted(port, port, interval);
  }
}
