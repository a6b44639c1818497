package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.it.Federation.Dc;
import io.meshfed.it.Federation.Server;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-DC federation whose WAN is a {@link WanLink} in front of every gateway's WAN address: every
 * byte between DCs is delayed one way by the latency with jitter, and links stall now and then. The
 * servers run the shipped WAN timings (not the fast ones other process tests use): what is tested is
 * that the defaults survive a real WAN. After a soak (every member alive at every poll), one of the
 * primary's two gateways goes dark and the federation must fail over to the other ({@link #goDark}).
 * The soak lasts {@code meshfed.wan.soak} (default 20 s); the {@code wan-long} Maven profile soaks 10
 * minutes and also runs 300 ms over a slow link. Needs root and iptables for the dark gateway.
 */
class WanConditionsProcessTest {
  /** The shipped {@code meshfed.wan} timings, over the fast ones the harness sets. */
  private static final String SHIPPED_WAN_TIMINGS = """
      wan {
        probe-interval = 5s, probe-timeout = 3s, gossip-interval = 500ms
        push-pull-interval = 30s, reconnect-interval = 30s, gossip-to-the-dead-time = 60s
      }
      """;
  private static final Duration CONVERGE = Duration.ofMinutes(3);
  /** How long a gateway stays dark: half as long again as a WAN suspicion takes to become a failure (30 s). */
  private static final Duration CUT = Duration.ofSeconds(45);
  /** Reads forwarded to the primary work again this soon after one of its gateways goes dark. */
  private static final Duration FAIL_OVER = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void at100msWithJitterAndStallsTheFederationFormsConvergesAndSurvivesAGatewayGoingDark() throws Exception {
    run(WanLink.Conditions.latency(Duration.ofMillis(100), Duration.ofMillis(20)), soak(), Duration.ofSeconds(2));
  }

  /** Opt-in ({@code -Dmeshfed.wan.long=true}, or the {@code wan-long} profile): it adds minutes to the suite. */
  @Test
  @EnabledIfSystemProperty(named = "meshfed.wan.long", matches = "true")
  void at300msOver2MbitsTheFederationFormsConvergesAndSurvivesAGatewayGoingDark() throws Exception {
    run(new WanLink.Conditions(Duration.ofMillis(300), Duration.ofMillis(30), 250_000), soak(), Duration.ofSeconds(2));
  }

  private static Duration soak() {
    String text = System.getProperty("meshfed.wan.soak", "20s");
    return io.meshfed.protocol.model.GoDuration.parse(text).orElseThrow(() ->
        new IllegalArgumentException("meshfed.wan.soak must be a duration such as 60s or 10m, got " + text));
  }

  private void run(WanLink.Conditions wan, Duration soak, Duration stall) throws Exception {
    Prerequisites.require(Blackhole.unavailable(), "the WAN conditions test (its gateway that goes dark)");
    long seed = Long.getLong("meshfed.wan.seed", ThreadLocalRandom.current().nextLong());
    System.out.printf("WAN %s, seed %d (-Dmeshfed.wan.seed=%d replays the jitter)%n", wan, seed, seed);
    try (Federation f = new Federation(dir, "dc1")) {
      f.wanConditions = wan;
      f.wanSeed = seed;
      List<Dc> dcs = List.of(f.dc("dc1", 1, 2), f.dc("dc2", 1, 1), f.dc("dc3", 1, 1));
      long launched = System.nanoTime();
      for (Dc dc : dcs) {
        f.startServers(dc, SHIPPED_WAN_TIMINGS);
        f.startGateways(dc);
      }
      double started = seconds(launched);
      awaitStates(f, Map.of("dc1", Set.of("gw1a", "gw1b"), "dc2", Set.of("gw2a"), "dc3", Set.of("gw3a")));
      double converged = seconds(launched);
      f.awaitEveryWanMemberAlive();
      double alive = seconds(launched);
      List<Server> servers = dcs.stream().map(Dc::server).toList();
      // Reads forwarded to every other DC, through two gateways and a WAN link each way.
      List<Double> readMs = new ArrayList<>();
      for (Server s : servers) {
        for (Dc other : dcs) {
          if (other != s.dc) {
            long t = System.nanoTime();
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                s.get("/v1/internal/federation-states?dc=" + other.name));
            readMs.add((System.nanoTime() - t) / 1e6);
          }
        }
      }
      // A gateway change in a secondary: from its registration in its own DC's catalog to every DC's store.
      dcs.get(2).startGateway("gw3b", Federation.freePort());
      Server dc3 = dcs.get(2).server();
      Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(20)).until(() ->
          dc3.get("/v1/internal/catalog/services?kind=mesh-gateway").contains("\"gw3b\""));
      long change = System.nanoTime();
      awaitStates(f, Map.of("dc1", Set.of("gw1a", "gw1b"), "dc2", Set.of("gw2a"), "dc3", Set.of("gw3a", "gw3b")));
      double propagated = seconds(change);
      System.out.printf("WAN %s: every process ready %.1f s after launch; converged %.1f s and every WAN member "
              + "alive %.1f s after that; first forwarded reads %s ms; a gateway registered in dc3 was in every "
              + "DC's store %.2f s later%n", wan, started, converged - started, alive - started,
          readMs.stream().map(ms -> String.format("%.0f", ms)).toList(), propagated);

      // The soak: every server sees every member alive all along, while links stall now and then.
      Map<String, String> expected = new TreeMap<>();
      dcs.forEach(dc -> dc.servers.forEach(s -> expected.put(s.node + "." + dc.name, "alive")));
      long end = System.nanoTime() + soak.toNanos();
      long nextStall = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      int stalls = 0;
      List<WanLink> links = List.copyOf(f.wanLinks.values());
      while (System.nanoTime() < end) {
        if (!stall.isZero() && System.nanoTime() >= nextStall) {
          links.get(stalls % links.size()).stall(stall);
          stalls++;
          nextStall = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        }
        for (Server s : servers) {
          assertThat(s.wanMembers()).as(s.node + "'s WAN members during the soak").isEqualTo(expected);
        }
        Awaitility.await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> true);
      }
      System.out.printf("WAN %s: %d s soak with %d stalls of %d s, no member failed%n", wan, soak.toSeconds(), stalls,
          stall.toSeconds());

      try {
        goDark(f, dcs, expected);
      } catch (AssertionError | Exception e) {
        printLogs(dcs);
        throw e;
      }
      for (Server s : servers) {
        assertThat(s.stderr()).as(s.node + "'s log").doesNotContain("WAN member failed: ");
      }
    }
  }

  /**
   * One of the primary's two gateways goes dark: its WAN address drops every packet (a {@link
   * Blackhole}), so connects to it time out and connections through it hang. The documented
   * fail-over: other DCs' gateways give up a connect after {@code connect-timeout} and use the other
   * gateway, ejecting the dark one after 3 failures in a row; a call on a connection that hangs is
   * failed by the RPC keepalive, and pooled connections move off at their maximum age. Meanwhile no
   * member may be declared failed, reads forwarded to the primary must work again within {@link
   * #FAIL_OVER}, and a change in the primary must still reach every DC.
   */
  private static void goDark(Federation f, List<Dc> dcs, Map<String, String> expected) throws Exception {
    Dc dc1 = dcs.get(0);
    WanLink dark = f.wanLinks.get(dc1.gatewayPorts.get(0));
    List<Server> servers = dcs.stream().map(Dc::server).toList();
    List<Server> secondaries = servers.subList(1, servers.size());
    dark.blackhole();
    long cutAt = System.nanoTime();
    Map<String, Double> lastFailure = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    int reads = 0;
    while (seconds(cutAt) < CUT.toSeconds()) {
      for (Server s : secondaries) {
        reads++;
        try {
          s.get("/v1/internal/federation-states?dc=dc1");
        } catch (AssertionError | java.io.IOException e) {
          lastFailure.put(s.node, seconds(cutAt));
          failures.add(String.format("%.1f s %s: %s", seconds(cutAt), s.node, e.getMessage()));
        }
      }
      for (Server s : servers) {
        assertThat(s.wanMembers()).as(s.node + "'s WAN members while gw1a is dark").isEqualTo(expected);
      }
      Awaitility.await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> true);
    }
    System.out.printf("gw1a dark: %d reads forwarded to dc1 from the secondaries in %d s, %d failed, the last "
        + "failure per server (s after the cut): %s%n%s%n", reads, CUT.toSeconds(), failures.size(), lastFailure,
        String.join("\n", failures));
    assertThat(lastFailure.values()).as("reads forwarded to dc1 fail only until the fail-over is done")
        .allSatisfy(t -> assertThat(t).isLessThan(FAIL_OVER.toSeconds()));
    // InetSocketAddress prints a host name before the address when it has one: match the address only.
    String darkAddress = dark.address();
    for (Dc dc : dcs.subList(1, dcs.size())) {
      assertThat(dc.gateways.values().stream().flatMap(g -> g.stderrText().lines())).as(dc.name + "'s gateways' logs")
          .anyMatch(l -> l.contains("gateway: ejected endpoint ") && l.contains("/" + darkAddress + " "));
    }

    dc1.startGateway("gw1c", Federation.freePort());
    long change = System.nanoTime();
    awaitStates(f, Map.of("dc1", Set.of("gw1a", "gw1b", "gw1c"), "dc2", Set.of("gw2a"), "dc3", Set.of("gw3a", "gw3b")));
    System.out.printf("gw1a dark: a gateway started in dc1 was in every DC's store %.2f s later%n", seconds(change));
    for (Server s : servers) {
      assertThat(s.wanMembers()).as(s.node + "'s WAN members while gw1a is dark").isEqualTo(expected);
    }
    dark.heal();
  }

  /** Every process's log, for a failure that needs them. */
  private static void printLogs(List<Dc> dcs) {
    for (Dc dc : dcs) {
      dc.servers.forEach(s -> System.out.printf("---- %s.%s log%n%s%n", s.node, dc.name, s.stderr()));
      dc.gateways.forEach((name, g) -> System.out.printf("---- %s (%s) log%n%s%n", name, dc.name, g.stderrText()));
    }
  }

  private static void awaitStates(Federation f, Map<String, Set<String>> expected) throws Exception {
    f.forEveryServer(s -> Awaitility.await().atMost(CONVERGE).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
        assertThat(s.federationStates()).as("federation states held by " + s.node + "." + s.dc.name)
            .isEqualTo(expected)));
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
