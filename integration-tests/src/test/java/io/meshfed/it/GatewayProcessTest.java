package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.protocol.model.Json;
import io.meshfed.transport.tls.CertificateTool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh gateway with real processes: a TLS server and a gateway registered with
 * {@code --expose-servers}. The catalog shows the gateway; connections with the server's SNI go
 * through it to the server port (checked with Debian's openssl); SIGTERM deregisters it; after a
 * {@code kill -9} its check turns critical within 15 s.
 */
class GatewayProcessTest {
  private static final Duration READY = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void aRegisteredGatewayRoutesToItsServerAndTurnsCriticalWhenKilled() throws Exception {
    int http = MeshfedProcess.freePort();
    int grpc = MeshfedProcess.freePort();
    int serverPort = MeshfedProcess.freePort();
    int gatewayPort = MeshfedProcess.freePort();
    int adminPort = MeshfedProcess.freePort();
    int https = MeshfedProcess.freePort();
    int grpcTls = MeshfedProcess.freePort();
    Path config = serverConfig(http, grpc, serverPort, https, grpcTls);
    String[] gatewayArgs = {"gateway", "--datacenter", "dc1", "--listen", "127.0.0.1:" + gatewayPort,
        "--admin-port", Integer.toString(adminPort), "--server-addr", "127.0.0.1:" + grpc,
        "--register", "--expose-servers", "--name", "gw1"};

    try (MeshfedProcess server = MeshfedProcess.start("server", "--config-file", config.toString())) {
      server.awaitReady(READY);
      try (MeshfedProcess gateway = MeshfedProcess.start(gatewayArgs)) {
        assertThat(gateway.awaitReady(READY)).contains("listening 127.0.0.1:" + gatewayPort)
            .contains("registered as gw1 (exposing the DC's servers)");
        JsonNode entry = awaitGateway(http, "passing", Duration.ofSeconds(30));
        assertThat(entry.at("/Service/Kind").asText()).isEqualTo("mesh-gateway");
        assertThat(entry.at("/Service/Meta/meshfed-wan-federation").asText()).isEqualTo("1");
        assertThat(entry.at("/Service/TaggedAddresses/lan/Port").asInt()).isEqualTo(gatewayPort);
        assertThat(entry.at("/Service/TaggedAddresses/wan/Port").asInt()).isEqualTo(gatewayPort);

        // Through the gateway to the server port: TLS end to end, the server's name verified.
        for (String sni : List.of("n1.server.dc1.meshfed", "server.dc1.meshfed")) {
          Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
              assertThat(openssl(gatewayPort, sni)).as(sni).contains("ALPN protocol: meshfed/rpc")
                  .contains("Verification: OK"));
        }
        String unknown = openssl(gatewayPort, "nothing.example.com");
        assertThat(unknown).doesNotContain("ALPN protocol: meshfed/rpc");
        String metrics = get(adminPort, "/metrics").body();
        assertThat(metrics).containsPattern("(?m)^meshfed_gateway_unknown_sni_total [1-9]")
            .containsPattern("(?m)^meshfed_gateway_route_table_version [1-9]");

        aGatewayWithoutExposeServersRefusesTheServersNames(http, grpcTls);
        theCliReadsTheHttpsApi(https);

        // 143: the JVM's exit status after SIGTERM once its shutdown hooks have run.
        assertThat(gateway.terminate(Duration.ofSeconds(30))).isIn(0, 143);
      }
      // A clean stop deregisters (the catalog is already empty when the process has exited).
      assertThat(get(http, "/v1/health/service/mesh-gateway").body()).isEqualTo("[]");

      try (MeshfedProcess gateway = MeshfedProcess.start(gatewayArgs)) {
        gateway.awaitReady(READY);
        awaitGateway(http, "passing", Duration.ofSeconds(30));
        long killedAt = System.nanoTime();
        gateway.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        JsonNode critical = awaitGateway(http, "critical", Duration.ofSeconds(15));
        System.out.printf("gateway check critical %d ms after kill -9: %s%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), critical.at("/Checks/0/Output").asText());
      }
    }
  }

  /**
   * Beside gw1, a registered gateway without {@code --expose-servers}: once it has its routing table
   * (version 1) it still closes every name of its DC's servers as unknown, and it registers without
   * the federation meta. It watches the server over gRPC with TLS, presenting a client certificate
   * (the server requires one: tls.grpc.verify-incoming).
   */
  private void aGatewayWithoutExposeServersRefusesTheServersNames(int http, int grpcTls) throws Exception {
    int port = MeshfedProcess.freePort();
    int admin = MeshfedProcess.freePort();
    try (MeshfedProcess outbound = MeshfedProcess.start("gateway", "--datacenter", "dc1", "--listen",
        "127.0.0.1:" + port, "--admin-port", Integer.toString(admin), "--server-addr", "https://127.0.0.1:" + grpcTls,
        "--ca-file", dir.resolve("ca.pem").toString(), "--client-cert", dir.resolve("n1.pem").toString(),
        "--client-key", dir.resolve("n1-key.pem").toString(), "--register", "--name", "gw-out")) {
      assertThat(outbound.awaitReady(READY)).contains("server https://127.0.0.1:" + grpcTls)
          .contains("registered as gw-out; routing to other DCs only (the DC's servers are not exposed without "
              + "--expose-servers)");
      JsonNode entry = awaitGateway(http, "gw-out", "passing", Duration.ofSeconds(30));
      assertThat(entry.at("/Service/Meta").has("meshfed-wan-federation")).isFalse();
      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get(admin, "/metrics").body())
          .containsPattern("(?m)^meshfed_gateway_route_table_version [1-9]"));
      for (String sni : List.of("n1.server.dc1.meshfed", "server.dc1.meshfed")) {
        assertThat(openssl(port, sni)).as(sni).doesNotContain("ALPN protocol: meshfed/rpc")
            .contains("SSL handshake has read 0 bytes");
      }
      assertThat(get(admin, "/metrics").body()).containsPattern("(?m)^meshfed_gateway_unknown_sni_total 2$")
          .doesNotContainPattern("(?m)^meshfed_gateway_connections_total\\{route=\"[^\"]*server\\.dc1");
      assertThat(outbound.terminate(Duration.ofSeconds(30))).isIn(0, 143);
    }
  }

  /** {@code meshfed} commands against the HTTPS port: with the CA, without it, and in plain text. */
  private void theCliReadsTheHttpsApi(int https) throws Exception {
    String ca = dir.resolve("ca.pem").toString();
    MeshfedProcess.Result ok = MeshfedProcess.run(Duration.ofSeconds(60), "federation-state", "list",
        "--http-addr", "https://127.0.0.1:" + https, "--ca-file", ca);
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(ok.out()).contains("dc1");

    MeshfedProcess.Result plain = MeshfedProcess.run(Duration.ofSeconds(60), "federation-state", "list",
        "--http-addr", "127.0.0.1:" + https);
    assertThat(plain.exitCode()).as(plain.toString()).isEqualTo(1);
    assertThat(plain.stderr()).containsExactly("Error: Client sent an HTTP request to an HTTPS server: this port "
        + "(meshfed.ports.https) speaks TLS; use https://, or the plain-text HTTP port (meshfed.ports.http)");

    // The JDK's own trusted CAs do not include this federation's CA.
    MeshfedProcess.Result untrusted = MeshfedProcess.run(Duration.ofSeconds(60), "federation-state", "list",
        "--http-addr", "https://127.0.0.1:" + https);
    assertThat(untrusted.exitCode()).as(untrusted.toString()).isEqualTo(1);
    assertThat(untrusted.stderr()).singleElement().asString()
        .startsWith("Error: cannot connect to the meshfed HTTP API at https://127.0.0.1:" + https + ": TLS failed: ")
        .endsWith("(--ca-file, --client-cert, --client-key)");
  }

  private JsonNode awaitGateway(int http, String status, Duration within) {
    return awaitGateway(http, "gw1", status, within);
  }

  private JsonNode awaitGateway(int http, String node, String status, Duration within) {
    List<JsonNode> found = new ArrayList<>();
    Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      JsonNode entries = Json.mapper().readTree(get(http, "/v1/health/service/mesh-gateway").body());
      JsonNode entry = null;
      for (JsonNode e : entries) {
        if (e.at("/Node/Node").asText().equals(node)) {
          entry = e;
        }
      }
      assertThat(entry).as("the catalog entry of " + node + " in " + entries).isNotNull();
      assertThat(entry.at("/Checks/0/Status").asText()).isEqualTo(status);
      found.add(entry);
    });
    return found.get(found.size() - 1);
  }

  private Path serverConfig(int http, int grpc, int serverPort, int https, int grpcTls) throws Exception {
    CertificateTool.Issued ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, "dc1", "n1", "meshfed", Duration.ofDays(30));
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    Files.writeString(dir.resolve("n1.pem"), cert.certificatePem());
    Files.writeString(dir.resolve("n1-key.pem"), cert.privateKeyPem());
    return Files.writeString(dir.resolve("server.conf"), """
        meshfed {
          datacenter = dc1, primary-datacenter = dc1, node-name = n1, data-dir = "%s"
          bind-address = 127.0.0.1
          ports { http = %d, grpc = %d, server = %d, lan = %d, https = %d, grpc-tls = %d }
          tls { ca-file = "%s", cert-file = "%s", key-file = "%s", grpc { verify-incoming = true } }
          connect { enabled = true, enable-mesh-gateway-wan-federation = true }
        }
        """.formatted(dir.resolve("data"), http, grpc, serverPort, MeshfedProcess.freePort(), https, grpcTls,
        dir.resolve("ca.pem"),
        dir.resolve("n1.pem"), dir.resolve("n1-key.pem")));
  }

  /** Debian's openssl s_client with the server's own certificate as its client certificate. */
  private String openssl(int port, String sni) throws Exception {
    Process p = new ProcessBuilder("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-servername", sni, "-verify_hostname", sni, "-alpn", "meshfed/rpc",
        "-CAfile", dir.resolve("ca.pem").toString(), "-cert", dir.resolve("n1.pem").toString(),
        "-key", dir.resolve("n1-key.pem").toString(), "-verify_return_error")
        .redirectErrorStream(true).start();
    p.getOutputStream().close();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
