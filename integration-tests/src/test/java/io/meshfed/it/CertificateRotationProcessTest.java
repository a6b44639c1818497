package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.it.Federation.Dc;
import io.meshfed.it.Federation.Server;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2-DC federation (a 2-server primary on PostgreSQL, so its LAN cluster's TLS is in play, and a
 * 1-server secondary, each with a gateway that watches its server at the gRPC TLS port with a client
 * certificate) replaces its CA and every certificate without a restart, following docs/operations.md
 * ("Rotating certificates"): the new CA beside the old one and a reload everywhere, a new
 * certificate and a reload process by process, then the old CA removed and a reload everywhere.
 * Servers reload with {@code meshfed reload}, one of them and the gateways with SIGHUP. Cross-DC
 * reads run all along, from every server, and none may fail. Afterwards every server port presents
 * a certificate of the new CA to openssl trusting only that CA; the gateway probes (a fresh
 * mutual-TLS handshake through every gateway every 2 s) keep passing with nothing but the new CA
 * trusted, which a server still dialing with its old certificate would fail; and a gateway whose
 * server restarts watches it again, which only its new client certificate allows.
 */
class CertificateRotationProcessTest {
  private static final Duration CLI = Duration.ofSeconds(60);
  private static final Duration CALL_EVERY = Duration.ofMillis(50);

  @TempDir Path dir;

  @Test
  void aFederationRotatesItsCaAndEveryCertificateUnderTrafficWithoutAFailedCall() throws Exception {
    TestPostgres postgres = TestPostgres.require("certificate rotation (its primary shares a PostgreSQL journal)");
    String primaryName = Federation.uniqueDcName("r");
    try (Federation f = new Federation(dir, primaryName)) {
      f.gatewaysOverTls = true;
      Dc primary = f.dc(primaryName, 2, 1);
      Dc dc2 = f.dc("dc2", 1, 1);
      f.startSharedJournalServers(primary, postgres, "");
      f.startGateways(primary);
      f.startServers(dc2, "");
      f.startGateways(dc2);
      f.awaitEveryWanMemberAlive();
      f.awaitFederationStates(Map.of(primaryName, Set.of("gw1a"), "dc2", Set.of("gw2a")));
      List<Server> servers = new ArrayList<>(primary.servers);
      servers.addAll(dc2.servers);
      Map<String, MeshfedProcess> gateways = new TreeMap<>(primary.gateways);
      gateways.putAll(dc2.gateways);
      // One server reloads on SIGHUP, the others through the API.
      Server hangsUp = primary.servers.get(1);

      // Ready for each other once a read from every server has reached the other DC: until then a
      // gateway may not route a name of the other DC yet (it learns them from federation states).
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
        for (Server s : servers) {
          s.get("/v1/internal/federation-states?dc=" + (s.dc == primary ? "dc2" : primaryName));
        }
      });
      try (CrossDcTraffic traffic = new CrossDcTraffic(servers, List.of(primaryName, "dc2"), CALL_EVERY)) {
        traffic.awaitMore(20);
        // What each server has logged so far (its start, the DCs finding each other) is not the rotation's.
        Map<Server, Long> logBefore = new HashMap<>();
        servers.forEach(s -> logBefore.put(s, s.stderr().lines().count()));
        CertificateTool.Issued newCa = CertificateTool.createCa("meshfed", Duration.ofDays(365));
        f.trustCas(f.ca(), newCa);
        for (Server s : servers) {
          reload(s, hangsUp, "2 trusted CA certificates");
        }
        for (MeshfedProcess gw : gateways.values()) {
          hangUp(gw, "meshfed gateway", "2 trusted CA certificates");
        }
        traffic.awaitMore(20);
        for (Server s : servers) {
          f.reissue(s, newCa);
          reload(s, hangsUp, "2 trusted CA certificates");
          traffic.awaitMore(20);
        }
        for (Map.Entry<String, MeshfedProcess> gw : gateways.entrySet()) {
          f.reissueGateway(gw.getKey(), newCa);
          hangUp(gw.getValue(), "meshfed gateway", "client certificate CN=client." + gw.getKey() + ".meshfed");
          traffic.awaitMore(20);
        }
        f.trustCas(newCa);
        for (Server s : servers) {
          reload(s, hangsUp, "1 trusted CA certificate");
        }
        for (MeshfedProcess gw : gateways.values()) {
          hangUp(gw, "meshfed gateway", "1 trusted CA certificate");
        }
        traffic.awaitMore(40);
        // Every server port now presents a certificate of the new CA and accepts one of it.
        Path newCaFile = Files.writeString(dir.resolve("new-ca.pem"), newCa.certificatePem());
        CertificateTool.Issued client = CertificateTool.createServerCert(newCa, "dc2", "openssl", "meshfed",
            Duration.ofDays(1));
        Path clientCert = Files.writeString(dir.resolve("openssl.pem"), client.certificatePem());
        Path clientKey = Files.writeString(dir.resolve("openssl-key.pem"), client.privateKeyPem());
        for (Server s : servers) {
          assertThat(openssl(s, newCaFile, clientCert, clientKey)).as(s.node + "'s server port")
              .contains("Verify return code: 0 (ok)");
        }
        // Several probe rounds with only the new CA trusted: every probe is a new handshake.
        Awaitility.await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
              for (Server s : servers) {
                assertThat(s.get("/v1/agent/gateway-locator")).as(s.node + "'s gateway locator")
                    .contains("\"FailingProbes\":[]");
              }
            });
        traffic.close();
        System.out.printf("certificate rotation: %d cross-DC calls during the rotation, %d failed%n",
            traffic.calls(), traffic.failures.size());
        assertThat(traffic.failures).as("cross-DC calls that failed during the rotation").isEmpty();
        // A probe may time out on a busy machine (and pass again 2 s later); none may be refused by TLS.
        for (Server s : servers) {
          assertThat(s.stderr().lines().skip(logBefore.get(s))
              .filter(l -> l.contains("failed its probe") && !l.contains("no answer within")))
              .as(s.node + "'s probes refused during the rotation").isEmpty();
        }
      }
      for (MeshfedProcess gw : gateways.values()) {
        assertThat(metrics(gw)).as("a gateway's metrics").contains("meshfed_tls_reloads_total{result=\"ok\"} 3\n",
            "meshfed_tls_reloads_total{result=\"refused\"} 0\n").containsPattern("meshfed_tls_certificate_expiry_days 29\\.");
      }
      // The gateway's connection to its server was made with the old material: a restart of the
      // server makes it connect again, now trusting only the new CA and requiring a certificate of it.
      Server dc2Server = dc2.servers.get(0);
      MeshfedProcess gw2 = dc2.gateways.values().iterator().next();
      int gatewayLog = lines(gw2).size();
      assertThat(dc2Server.process.terminate(Duration.ofSeconds(60))).isIn(0, 143);
      f.restart(dc2Server);
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(lines(gw2).stream().skip(gatewayLog)).as("the gateway's log since its server stopped")
              .anyMatch(l -> l.contains("watching the DC's servers on the local server https://") && l.contains(
                  " again")));
    }
  }

  /** SIGHUP to {@code p}; waits for the line that says what it reloaded. */
  private static void hangUp(MeshfedProcess p, String what, String expected) throws Exception {
    int before = lines(p).size();
    p.hangUp();
    String line = Awaitility.await().atMost(CLI).pollInterval(Duration.ofMillis(100)).until(() -> lines(p).stream()
        .skip(before).filter(l -> l.contains("SIGHUP: ")).findFirst().orElse(null), Objects::nonNull);
    assertThat(line).contains("SIGHUP: " + what + " reloaded: tls: ").contains(expected);
  }

  private static List<String> lines(MeshfedProcess p) {
    return new ArrayList<>(p.stderr);
  }

  /** GET of the gateway's admin /metrics, at the address its ready line names. */
  private static String metrics(MeshfedProcess gw) throws Exception {
    Matcher admin = Pattern.compile("admin (http://\\S+/metrics)")
        .matcher(gw.awaitReady(Duration.ofSeconds(1)));
    assertThat(admin.find()).as("the gateway's ready line names its admin address").isTrue();
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(admin.group(1))).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** A handshake with the server port of {@code s} that trusts only {@code caFile}. */
  private static String openssl(Server s, Path caFile, Path cert, Path key) throws Exception {
    String sni = s.node + ".server." + s.dc.name + ".meshfed";
    Process p = new ProcessBuilder("/usr/bin/openssl", "s_client", "-connect", s.host + ":" + s.serverPort,
        "-servername", sni, "-verify_hostname", sni, "-alpn", "meshfed/rpc", "-CAfile", caFile.toString(),
        "-cert", cert.toString(), "-key", key.toString(), "-verify_return_error")
        .redirectErrorStream(true).start();
    p.getOutputStream().close();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** {@code meshfed reload}, or SIGHUP for {@code hangsUp}. */
  private static void reload(Server s, Server hangsUp, String expected) throws Exception {
    if (s == hangsUp) {
      hangUp(s.process, "meshfed server", expected);
      return;
    }
    MeshfedProcess.Result r = MeshfedProcess.run(CLI, "reload", "--http-addr", s.host + ":" + s.http);
    assertThat(r.exitCode()).as(r.stderr().toString()).isZero();
    assertThat(r.out()).startsWith("tls: certificate CN=").contains(expected);
  }
}
