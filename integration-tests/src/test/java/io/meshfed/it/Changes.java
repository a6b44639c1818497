package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.it.Federation.Dc;
import io.meshfed.it.Federation.Server;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * Timed gateway changes in a federation of processes, and the load they put on the primary: the
 * propagation measurements of {@link FederationSuiteProcessTest} and {@link ScaleProcessTest}.
 */
final class Changes {
  /** Gateway entries per DC that the timed changes register and then re-register with a new check output. */
  private static final int SLOTS = 4;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Changes() {}

  /**
   * Times {@code n} changes, each a gateway entry of one DC registered (or re-registered with a new
   * check output) through one of its servers, from just before the registration until every server
   * has held it. A change starts once the previous one is visible everywhere and at least {@link
   * Mode#spacing} after the previous start.
   */
  static Propagation measure(Federation f, PropagationWatch watch, String label, int n, Mode mode)
      throws Exception {
    List<Dc> dcs = f.dcs();
    Propagation out = new Propagation(f.primary().name, dcs.stream().skip(1).map(d -> d.name).toList());
    long lastStart = System.nanoTime() - mode.spacing().toNanos();
    for (int i = 0; i < n; i++) {
      long earliest = lastStart + mode.spacing().toNanos();
      Awaitility.await().atMost(mode.spacing().multipliedBy(2).plusSeconds(1)).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(5)).until(() -> System.nanoTime() >= earliest);
      lastStart = System.nanoTime();
      Dc dc = mode.dc().isEmpty() ? dcs.get(i % dcs.size())
          : dcs.stream().filter(d -> d.name.equals(mode.dc())).findFirst().orElseThrow();
      Server registrar = dc.servers.get(i % dc.servers.size());
      String node = "chg" + (i / (mode.dc().isEmpty() ? dcs.size() : 1)) % SLOTS;
      String output = label + "-" + i;
      long start = PropagationWatch.now();
      register(registrar, node, output);
      long registered = PropagationWatch.now();
      String version = PropagationWatch.version(dc.name, node, output);
      Map<Server, Long> seen = watch.await(version, Federation.CONVERGE);
      out.add(new Propagation.Sample(i, dc.name, start, registered, watch.updatedAt(version), seen));
    }
    return out;
  }

  /** How changes are made: at most one per {@code spacing}, alternating between the DCs or all in {@code dc}. */
  record Mode(Duration spacing, String dc) {
    static List<Mode> list(String modes) {
      List<Mode> out = new ArrayList<>();
      for (String m : modes.split(",")) {
        String[] parts = m.trim().split("@", 2);
        out.add(new Mode(io.meshfed.protocol.model.GoDuration.parse(parts[0]).orElseThrow(() ->
            new IllegalArgumentException("a mode's spacing must be a duration such as 0s or 1100ms: " + m)),
            parts.length > 1 ? parts[1] : ""));
      }
      return List.copyOf(out);
    }

    String name() {
      return (dc.isEmpty() ? "alternating" : dc) + "-" + spacing.toMillis() + "ms";
    }

    @Override
    public String toString() {
      return (spacing.isZero() ? "back to back" : "at most one per " + spacing.toMillis() + " ms")
          + (dc.isEmpty() ? ", alternating" : ", all in " + dc);
    }
  }

  /** What one secondary and the primary's servers count, from their metrics. */
  record Load(long pushes, long rounds, long primaryCalls) {
    static Load of(Dc primary, Dc secondary) throws Exception {
      String own = secondary.server().get("/v1/agent/metrics");
      long calls = 0;
      for (Server s : primary.servers) {
        calls += sum(s.get("/v1/agent/metrics"), "meshfed_internal_rpc_calls_total{",
            "dc=\"" + secondary.name + "\"");
      }
      return new Load(sum(own, "meshfed_federation_state_anti_entropy_pushes_total ", ""),
          sum(own, "meshfed_federation_state_replication_rounds_total ", ""), calls);
    }

    Load minus(Load before) {
      return new Load(pushes - before.pushes, rounds - before.rounds, primaryCalls - before.primaryCalls);
    }

    private static long sum(String metrics, String prefix, String contains) {
      return metrics.lines().filter(l -> l.startsWith(prefix) && l.contains(contains))
          .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
  }

  /**
   * Registers a mesh-gateway entry the way a gateway process does, but with a critical check, so
   * that it is published in the federation state while no gateway or locator ever routes to it. The
   * check's output tells this registration from earlier ones of the same entry.
   */
  static void register(Server s, String node, String output) throws Exception {
    String body = """
        {"Node":"%s","Address":"127.0.0.1",
         "Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Kind":"mesh-gateway","Port":9,
           "Meta":{"meshfed-wan-federation":"1"}},
         "Check":{"CheckID":"down","Name":"not a real gateway","Status":"critical","ServiceID":"mesh-gateway",
           "Output":"%s"}}
        """.formatted(node, output);
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + s.host + ":" + s.http
        + "/v1/catalog/register")).PUT(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }
}
