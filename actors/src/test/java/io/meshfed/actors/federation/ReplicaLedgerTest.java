package io.meshfed.actors.federation;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two servers of a primary in one LAN cluster (real Artery, so the progress crosses it serialized):
 * a report heard by one is answered by the other, and the newer report of a DC replaces the older
 * whichever server heard it.
 */
class ReplicaLedgerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private ActorTestKit first;
  private ActorTestKit second;

  private static ActorTestKit server() {
    return ActorTestKit.create("meshfed", ConfigFactory.parseString("""
            pekko.actor.provider = cluster
            pekko.remote.artery.canonical.hostname = 127.0.0.1
            pekko.remote.artery.canonical.port = 0
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            pekko.cluster.distributed-data.gossip-interval = 200ms
            pekko.loglevel = WARNING
            """).withFallback(ConfigFactory.load()));
  }

  @AfterEach
  void stop() {
    if (second != null) {
      second.shutdownTestKit();
    }
    if (first != null) {
      first.shutdownTestKit();
    }
  }

  @Test
  void aReportHeardByOneServerIsAnsweredByTheOtherAndTheNewerOneWins() {
    first = server();
    second = server();
    Cluster one = Cluster.get(first.system());
    one.manager().tell(Join.create(one.selfMember().address()));
    Cluster two = Cluster.get(second.system());
    two.manager().tell(Join.create(one.selfMember().address()));
    Awaitility.await().atMost(TIMEOUT).until(() -> one.selfMember().status() == MemberStatus.up()
        && two.selfMember().status() == MemberStatus.up());
    ReplicaLedger heardHere = new ReplicaLedger(first.system(), "n1");
    ReplicaLedger askedThere = new ReplicaLedger(second.system(), "n2");

    ReplicaReport old = new ReplicaReport("dc2", 12, List.of(new GatewayRef("gw1a", "10.0.0.1:8443")));
    heardHere.record(old, Instant.parse("2026-12-03T06:00:00Z"));
    Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
        askedThere.all().toCompletableFuture().join()).containsOnlyKeys("dc2")
        .hasEntrySatisfying("dc2", p -> {
          assertThat(p.report()).isEqualTo(old);
          assertThat(p.heardBy()).isEqualTo("n1");
          assertThat(p.heardAtMillis()).isEqualTo(Instant.parse("2026-12-03T06:00:00Z").toEpochMilli());
        }));

    ReplicaReport next = new ReplicaReport("dc2", 20, List.of(new GatewayRef("gw1c", "10.0.0.3:8443")));
    askedThere.record(next, Instant.parse("2026-12-03T06:00:05Z"));
    Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> {
      for (ReplicaLedger ledger : List.of(heardHere, askedThere)) {
        Map<String, ReplicaProgress> all = ledger.all().toCompletableFuture().join();
        assertThat(all.get("dc2").report()).isEqualTo(next);
        assertThat(all.get("dc2").heardBy()).isEqualTo("n2");
      }
    });
  }
}
