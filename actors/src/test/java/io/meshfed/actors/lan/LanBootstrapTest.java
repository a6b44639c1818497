package io.meshfed.actors.lan;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The LAN cluster forms from whichever servers are present: real actor systems talking over Artery
 * on loopback, each with its {@link LanBootstrap}, the way a server starts them.
 */
class LanBootstrapTest {
  private static final Duration FORM = Duration.ofSeconds(30);
  private final Map<String, ActorSystem<Void>> running = new HashMap<>();
  /** Each server's progress, without the grace after start: only what the bootstrap did shows. */
  private final Map<String, JoinProgress> progress = new HashMap<>();
  private final List<String> seeds = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (ActorSystem<Void> s : running.values()) {
      s.terminate();
    }
    for (ActorSystem<Void> s : running.values()) {
      s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theRuleFormsOnlyAtTheLowestAddressOfEveryoneHeardOnceEnoughAnswer() {
    TreeSet<String> bc = new TreeSet<>(List.of("10.0.0.2:1", "10.0.0.3:1"));
    assertThat(LanBootstrap.decide("10.0.0.2:1", 2, bc, List.of(List.of("10.0.0.2:1", "10.0.0.3:1"))))
        .isEqualTo(LanBootstrap.Decision.FORM);
    assertThat(LanBootstrap.decide("10.0.0.3:1", 2, bc, List.of(List.of("10.0.0.2:1", "10.0.0.3:1"))))
        .as("not the lowest").isEqualTo(LanBootstrap.Decision.WAIT);
    assertThat(LanBootstrap.decide("10.0.0.2:1", 3, bc, List.of()))
        .as("fewer than bootstrap-expect").isEqualTo(LanBootstrap.Decision.WAIT);
    // 10.0.0.3 hears 10.0.0.1, which 10.0.0.2 does not: 10.0.0.1 forms, not 10.0.0.2.
    assertThat(LanBootstrap.decide("10.0.0.2:1", 2, bc, List.of(List.of("10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"))))
        .as("a peer hears a lower server").isEqualTo(LanBootstrap.Decision.WAIT);
  }

  @Test
  void theLowestAbsentAtFirstStartTheOthersFormAndItJoinsLater() throws Exception {
    declare(3);
    start(1, 2);
    start(2, 2);
    awaitOneCluster(Set.of(1, 2));
    start(0, 2);
    awaitOneCluster(Set.of(0, 1, 2));
  }

  @Test
  void startedAllAtOnceTheyFormOneCluster() throws Exception {
    startThreeAtOnce();
  }

  @Test
  void aLoneServerBelowBootstrapExpectFormsNothing() throws Exception {
    declare(3);
    start(2, 2);
    Cluster cluster = Cluster.get(running.get(seeds.get(2)));
    Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> cluster.selfMember().status() == MemberStatus.removed());
    assertThat(progress.get(seeds.get(2)).upSoon()).as("calls are not held for a DC that waits for servers").isFalse();
  }

  @Test
  void aRestartedLowestServerJoinsTheRunningClusterInsteadOfFormingOne() throws Exception {
    startThreeAtOnce();
    ActorSystem<Void> first = running.remove(seeds.get(0));
    first.terminate();
    first.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    awaitOneCluster(Set.of(1, 2));
    start(0, 2);
    awaitOneCluster(Set.of(0, 1, 2));
    assertThat(progress.get(seeds.get(0)).upSoon()).as("it asked to join the running cluster").isTrue();
  }

  @Test
  void aServerLeftInAClusterOfItsOwnSaysSoAndHowToFixIt() throws Exception {
    declare(3);
    // What a lost race of two formations leaves: the lowest server formed alone (here because it was
    // told bootstrap-expect 1) and, below its min-nr-of-members of 2, never comes Up.
    start(0, seeds, 1, 2);
    Cluster alone = Cluster.get(running.get(seeds.get(0)));
    Awaitility.await().atMost(FORM).until(() -> alone.selfMember().status() == MemberStatus.joining());
    LoggingTestKit.warn("this server is in a LAN cluster of its own (" + seeds.get(0) + ") while ")
        .withMessageContains("restart this server and it will")
        .expect(running.get(seeds.get(0)), () -> {
          // The other two know only each other, and form the DC.
          start(1, seeds.subList(1, 3), 2, 2);
          start(2, seeds.subList(1, 3), 2, 2);
          awaitOneCluster(Set.of(1, 2));
          return null;
        });
    assertThat(alone.selfMember().status()).isEqualTo(MemberStatus.joining());
    assertThat(progress.get(seeds.get(0)).upSoon()).as("apart: only a restart gets it into the DC").isFalse();
  }

  private void startThreeAtOnce() throws IOException {
    declare(3);
    for (int i = 0; i < 3; i++) {
      start(i, 2);
    }
    awaitOneCluster(Set.of(0, 1, 2));
    assertThat(seeds).allMatch(s -> progress.get(s).upSoon());
  }

  private void declare(int n) throws IOException {
    for (int i = 0; i < n; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        seeds.add("127.0.0.1:" + s.getLocalPort());
      }
    }
  }

  private void start(int i, int expect) {
    start(i, seeds, expect, expect);
  }

  private void start(int i, List<String> names, int expect, int minMembers) {
    String self = seeds.get(i);
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = %d
        pekko.cluster.min-nr-of-members = %d
        pekko.cluster.seed-node-timeout = 2s
        pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
        pekko.cluster.split-brain-resolver.stable-after = 2s
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
        pekko.remote.artery.advanced.shutdown-flush-timeout = 200ms
        pekko.loglevel = INFO
        """.formatted(Integer.parseInt(self.substring(self.indexOf(':') + 1)), minMembers))
        .withFallback(ConfigFactory.load());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), LanCluster.SYSTEM_NAME, config);
    JoinProgress joining = new JoinProgress(Duration.ZERO);
    progress.put(self, joining);
    system.systemActorOf(LanBootstrap.create(new LanBootstrap.Settings(self, names, expect,
        LanBootstrap.Settings.PROBE_INTERVAL, LanBootstrap.Settings.STABLE_MARGIN), joining), LanBootstrap.NAME,
        Props.empty());
    running.put(self, system);
  }

  /** Every one of {@code servers} is Up and sees exactly those as Up members: one cluster. */
  private void awaitOneCluster(Set<Integer> servers) {
    Set<String> expected = servers.stream().map(seeds::get).collect(Collectors.toSet());
    Awaitility.await().atMost(FORM).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      for (String s : expected) {
        Cluster cluster = Cluster.get(running.get(s));
        Set<String> up = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
            .filter(m -> m.status() == MemberStatus.up()).map(LanBootstrapTest::hostPort).collect(Collectors.toSet());
        assertThat(up).as(s + "'s Up members").isEqualTo(expected);
      }
    });
  }

  private static String hostPort(Member m) {
    return m.address().getHost().orElseThrow() + ":" + m.address().getPort().orElseThrow();
  }
}
