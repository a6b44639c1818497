package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.server.config.ServerConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-server DC on PostgreSQL forms from whichever servers are present (docs/operations.md,
 * "Bootstrapping a DC"): real servers in this JVM, each naming all three in {@code retry-join}
 * with {@code bootstrap-expect = 2}.
 */
class DcBootstrapTest {
  @TempDir Path dir;
  private final List<MeshfedServer> servers = new ArrayList<>();
  private final String dc = "boot-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void stopAll() throws Exception {
    for (MeshfedServer s : servers) {
      TestServers.stop(s);
    }
  }

  @Test
  void aDcFormsWithoutItsLowestAddressedServerWhichJoinsWhenItComes() throws Exception {
    Map<String, Object> pg = TestServers.postgres();
    List<String> seeds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      seeds.add("127.0.0.1:" + TestServers.freePort());
    }
    // The order every server computes: the first is the one Pekko's seed nodes would have needed.
    seeds.sort(null);
    long t0 = System.nanoTime();
    MeshfedServer second = start(pg, seeds, 1);
    MeshfedServer third = start(pg, seeds, 2);
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> TestServers.aliveMembers(second) == 2 && TestServers.aliveMembers(third) == 2);
    System.out.printf("DC bootstrap: 2 of 3 servers (the lowest-addressed absent) formed %d ms after the first "
        + "start%n", (System.nanoTime() - t0) / 1_000_000);
    assertThat(TestServers.put(third, "/v1/internal/federation-state", TestServers.upsert("dc9"), null).statusCode())
        .isEqualTo(200);

    MeshfedServer first = start(pg, seeds, 0);
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
        TestServers.aliveMembers(first) == 3 && TestServers.aliveMembers(second) == 3
            && TestServers.aliveMembers(third) == 3);
    assertThat(TestServers.get(first, "/v1/internal/federation-state/dc9", null).statusCode())
        .as("the lowest server serves the DC's state once it has joined").isEqualTo(200);
  }

  private MeshfedServer start(Map<String, Object> pg, List<String> seeds, int i) {
    Map<String, Object> o = new HashMap<>(pg);
    o.put("datacenter", dc);
    o.put("primary-datacenter", dc);
    o.put("node-name", "s" + i);
    o.put("data-dir", dir.resolve("s" + i).toString());
    o.put("ports.lan", Integer.parseInt(seeds.get(i).substring(seeds.get(i).indexOf(':') + 1)));
    o.put("retry-join", seeds);
    o.put("bootstrap-expect", 2);
    MeshfedServer s = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, o));
    servers.add(s);
    return s;
  }
}
