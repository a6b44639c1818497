package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.it.Federation.Dc;
import io.meshfed.protocol.names.Names;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics as a Prometheus server would see them: two DCs as real processes (a TLS server and a
 * mesh gateway each, {@link Federation}), federated, one client connection spliced through dc1's
 * gateway. Then every histogram has data where it should (dc2's replication rounds, the propagation of
 * dc1's federation state into dc2, dc2's internal RPCs to dc1, its WAN probes of dc1, the gateway's
 * connection durations); each scrape of both servers and both gateways passes {@code promtool check
 * metrics} without a remark; and every metric name that docs/monitoring's alert rules and Grafana
 * dashboard use is in those scrapes.
 */
class MetricsProcessTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /**
   * Names older than the naming conventions, kept because scripts and alerts read them; each has a
   * conventional twin ({@code meshfed_tls_certificate_expiry_timestamp_seconds}).
   */
  private static final Set<String> LEGACY = Set.of("meshfed_tls_certificate_expiry_days");
  private static final Pattern ADMIN = Pattern.compile("admin (http://\\S+/metrics)");

  @TempDir Path dir;

  @Test
  void scrapesOfServersAndGatewaysPassPromtoolAndHoldEveryNameTheAlertsAndDashboardUse() throws Exception {
    Promtool.require("MetricsProcessTest");
    try (Federation f = new Federation(dir, "dc1")) {
      Dc dc1 = f.dc("dc1", 1, 1);
      Dc dc2 = f.dc("dc2", 1, 1);
      for (Dc dc : f.dcs()) {
        f.startServers(dc, "");
        f.startGateways(dc);
      }
      f.awaitEveryWanMemberAlive();
      f.awaitFederationStates(Map.of("dc1", Set.of("gw1a"), "dc2", Set.of("gw2a")));
      String gw1 = adminUrl(dc1);
      String gw2 = adminUrl(dc2);

      // A client connection through dc1's gateway to its servers' route; the handshake itself fails
      // (the server wants a client certificate), but the gateway routed and spliced it.
      String route = Names.anyServerSni("dc1", Names.DEFAULT_DOMAIN);
      handshakeThrough(dc1.gateway(dc1.gatewayPorts.get(0)), route);

      Awaitility.await().atMost(Federation.CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        String secondary = dc2.server().get("/v1/agent/metrics");
        assertThat(sum(secondary, "meshfed_replication_round_duration_seconds_count", "table=\"federation-states\"",
            "outcome=\"ok\"")).as("dc2's replication rounds timed").isPositive();
        assertThat(sum(secondary, "meshfed_federation_state_propagation_delay_seconds_count", "datacenter=\"dc1\""))
            .as("dc1's federation state's propagation into dc2").isPositive();
        assertThat(sum(secondary, "meshfed_internal_rpc_client_duration_seconds_count", "datacenter=\"dc1\"",
            "outcome=\"ok\"")).as("dc2's internal RPCs to dc1").isPositive();
        assertThat(sum(secondary, "meshfed_wan_probe_rtt_seconds_count", "datacenter=\"dc1\""))
            .as("dc2's WAN probes of dc1").isPositive();
        assertThat(sum(secondary, "meshfed_wan_datacenter_reachable", "datacenter=\"dc1\"")).isEqualTo(1);
        String gateway = get(gw1);
        assertThat(sum(gateway, "meshfed_gateway_connection_duration_seconds_count", "route=\"" + route + "\""))
            .as("connections of route " + route + " timed in dc1's gateway").isPositive();
        assertThat(sum(gateway, "meshfed_gateway_healthy_endpoints")).isPositive();
      });
      // The primary's registry is its own: nothing of dc2's replication shows there.
      String primary = dc1.server().get("/v1/agent/metrics");
      assertThat(sum(primary, "meshfed_replication_round_duration_seconds_count")).isZero();

      Map<String, String> scrapes = Map.of("dc1 server", primary, "dc2 server", dc2.server().get("/v1/agent/metrics"),
          "dc1 gateway", get(gw1), "dc2 gateway", get(gw2));
      Set<String> names = new TreeSet<>();
      // kept for whoever reads a failure (and for the metrics reference)
      Path kept = Files.createDirectories(Path.of("target", "metrics-scrapes"));
      for (Map.Entry<String, String> scrape : scrapes.entrySet()) {
        Files.writeString(kept.resolve(scrape.getKey().replace(' ', '-') + ".prom"), scrape.getValue());
        Promtool.Run check = Promtool.run(scrape.getValue(), "check", "metrics");
        String what = "promtool check metrics on the " + scrape.getKey() + "'s scrape:\n" + check.output();
        // 0: clean; 3: lint remarks only (1 would be a parse error); the only remarks allowed are
        // about names that scripts read from before the conventions were followed.
        assertThat(check.exitCode()).as(what).isIn(0, 3);
        assertThat(check.output().lines().filter(l -> LEGACY.stream().noneMatch(n -> l.startsWith(n + " "))))
            .as(what).isEmpty();
        names.addAll(Promtool.sampleNames(scrape.getValue()));
        // the metrics themselves warn about nothing (Micrometer warns of a meter registered twice)
        assertThat(sum(scrape.getValue(), "meshfed_log_events_total", "reason=\"MeterRegistry\""))
            .as("Micrometer's warnings in the " + scrape.getKey()).isZero();
      }
      for (String file : List.of("alerts.yml", "grafana-dashboard.json")) {
        Set<String> used = Promtool.metricNames(Promtool.read(file));
        assertThat(used).as("metric names in " + file).isNotEmpty();
        assertThat(names).as("the scrapes hold every metric name " + file + " uses").containsAll(used);
      }
    }
  }

  /** The gateway's metrics URL, from its ready line. */
  private static String adminUrl(Dc dc) throws Exception {
    String ready = dc.gateways.values().iterator().next().awaitReady(Federation.READY);
    Matcher m = ADMIN.matcher(ready);
    assertThat(m.find()).as("admin address in the ready line: " + ready).isTrue();
    return m.group(1);
  }

  private static void handshakeThrough(String gateway, String serverName) throws Exception {
    int colon = gateway.lastIndexOf(':');
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, null, null);
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
      socket.connect(new InetSocketAddress(gateway.substring(0, colon), Integer.parseInt(gateway.substring(colon + 1))),
          5000);
      socket.setSoTimeout(5000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName(serverName)));
      socket.setSSLParameters(parameters);
      socket.startHandshake();
    } catch (IOException expected) {
      // an unknown CA or a missing client certificate: the gateway still spliced the connection
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET " + url).isEqualTo(200);
    return r.body();
  }

  /** The sum of the samples named {@code name} whose labels include every one of {@code labels}. */
  static double sum(String scrape, String name, String... labels) {
    return scrape.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .filter(l -> {
          for (String label : labels) {
            if (!l.contains(label)) {
              return false;
            }
          }
          return true;
        })
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }
}
