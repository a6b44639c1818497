package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.it.Federation.Dc;
import io.meshfed.it.Federation.Server;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every gateway of the primary is replaced as docs/operations.md ("Replacing gateways") says, under
 * steady cross-DC traffic between three DCs, with no failed call: start the new gateways, check with
 * {@code meshfed federation-state rollout --remove ... --wait} that every DC knows one of them, stop
 * the old ones (they deregister and drain). The secondaries' {@code primary-gateways} name only the
 * old gateways throughout, so nothing but replication tells them where the primary went.
 */
class GatewayRotationProcessTest {
  private static final Duration CLI = Duration.ofSeconds(90);
  private static final Duration CALL_EVERY = Duration.ofMillis(50);
  /** Shorter than the drain lasts: a blocking read on a retired connection ends before it closes. */
  private static final Duration BLOCKING_WAIT = Duration.ofSeconds(1);

  @TempDir Path dir;

  @Test
  void everyGatewayOfThePrimaryIsReplacedWithoutAFailedCrossDcCall() throws Exception {
    try (Federation f = new Federation(dir, "dc1")) {
      Dc dc1 = f.dc("dc1", 1, 2);
      Dc dc2 = f.dc("dc2", 1, 1);
      Dc dc3 = f.dc("dc3", 1, 1);
      for (Dc dc : f.dcs()) {
        f.startServers(dc, "");
        f.startGateways(dc);
      }
      f.awaitEveryWanMemberAlive();
      f.awaitFederationStates(Map.of("dc1", Set.of("gw1a", "gw1b"), "dc2", Set.of("gw2a"), "dc3", Set.of("gw3a")));
      List<Server> servers = List.of(dc1.server(), dc2.server(), dc3.server());
      List<String> dcs = List.of("dc1", "dc2", "dc3");
      // Until a read from every server has reached every other DC, a gateway may not route a name yet.
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
        for (Server s : servers) {
          for (String dc : dcs) {
            s.get("/v1/internal/federation-states?dc=" + dc);
          }
        }
      });
      String primary = dc1.server().host + ":" + dc1.server().http;
      try (CrossDcTraffic traffic = new CrossDcTraffic(servers, dcs, CALL_EVERY, BLOCKING_WAIT)) {
        traffic.awaitMore(20);
        MeshfedProcess.Result before = rollout(primary, "--wait", "60s");
        assertThat(before.exitCode()).as(before.stderr().toString()).isZero();
        assertThat(before.out()).contains("Primary dc1: gateways gw1a ", "gw1b ")
            .contains("Every datacenter has dc1's current gateways.").containsPattern("(?m)^dc2 +current ")
            .containsPattern("(?m)^dc3 +current ");
        // Nothing to replace them with yet: refused, and nothing was stopped.
        MeshfedProcess.Result refused = rollout(primary, "--remove", "gw1a", "--remove", "gw1b");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("Error: refused: removing gw1a, gw1b would leave dc1 without a gateway: "
            + "start their replacements first (--wait 2m asks again until it is safe; --force removes them anyway)");

        dc1.startGateway("gw1c", MeshfedProcess.freePort());
        dc1.startGateway("gw1d", MeshfedProcess.freePort());
        MeshfedProcess.Result safe = rollout(primary, "--remove", "gw1a", "--remove", "gw1b", "--wait", "60s");
        assertThat(safe.exitCode()).as(safe.stderr().toString()).isZero();
        assertThat(safe.out()).contains("Safe to remove gw1a, gw1b: every DC knows a gateway of dc1 that stays: "
            + "dc2 (gw1c, gw1d), dc3 (gw1c, gw1d).");
        // A secondary's server answers too (it asks the primary).
        MeshfedProcess.Result fromDc3 = rollout(dc3.server().host + ":" + dc3.server().http);
        assertThat(fromDc3.exitCode()).as(fromDc3.stderr().toString()).isZero();
        assertThat(fromDc3.out()).contains("Primary dc1: gateways gw1a ", "gw1d ");
        traffic.awaitMore(20);

        // The old ones go together: each deregisters, then relays until its connections have moved on.
        MeshfedProcess gw1a = dc1.gateways.remove("gw1a");
        MeshfedProcess gw1b = dc1.gateways.remove("gw1b");
        CompletableFuture<Integer> a = stopped(gw1a);
        CompletableFuture<Integer> b = stopped(gw1b);
        assertThat(a.get()).isIn(0, 143);
        assertThat(b.get()).isIn(0, 143);
        for (MeshfedProcess old : List.of(gw1a, gw1b)) {
          assertThat(old.stderr).as("the stopped gateway's log").anyMatch(l -> l.contains("gateway: draining: "));
          old.stderr.stream().filter(l -> l.contains("gateway: drain")).forEach(System.out::println);
        }
        f.awaitFederationStates(Map.of("dc1", Set.of("gw1c", "gw1d"), "dc2", Set.of("gw2a"), "dc3", Set.of("gw3a")));
        traffic.awaitMore(100);
        MeshfedProcess.Result after = rollout(primary, "--wait", "60s");
        assertThat(after.exitCode()).as(after.stderr().toString()).isZero();
        assertThat(after.out()).contains("Primary dc1: gateways gw1c ", "gw1d ").doesNotContain("gw1a", "(old)")
            .contains("Every datacenter has dc1's current gateways.");
        MeshfedProcess.Result last = rollout(primary, "--remove", "gw1c", "--remove", "gw1d");
        assertThat(last.exitCode()).isEqualTo(1);
        traffic.close();
        System.out.printf("gateway rotation: %d cross-DC calls while every gateway of the primary was replaced, "
            + "%d failed%n", traffic.calls(), traffic.failures.size());
        assertThat(traffic.failures).as("cross-DC calls that failed during the rotation").isEmpty();
      }
    }
  }

  private static MeshfedProcess.Result rollout(String httpAddr, String... args) throws Exception {
    List<String> all = new java.util.ArrayList<>(List.of("federation-state", "rollout", "--http-addr", httpAddr));
    all.addAll(List.of(args));
    MeshfedProcess.Result r = MeshfedProcess.run(CLI, all.toArray(String[]::new));
    // The session docs/operations.md shows comes from here.
    System.out.printf("$ meshfed %s%n%s%n%s (exit %d)%n", String.join(" ", all), r.out(),
        String.join("\n", r.stderr()), r.exitCode());
    return r;
  }

  /** SIGTERM now; completes with the exit code once the gateway has drained and stopped. */
  private static CompletableFuture<Integer> stopped(MeshfedProcess gateway) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return gateway.terminate(Duration.ofSeconds(90));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
