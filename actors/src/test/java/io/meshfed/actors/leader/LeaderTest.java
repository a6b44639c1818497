package io.meshfed.actors.leader;

import static io.meshfed.actors.leader.TestRoutines.alwaysFailing;
import static io.meshfed.actors.leader.TestRoutines.backoff;
import static io.meshfed.actors.leader.TestRoutines.leaderFor;
import static io.meshfed.actors.leader.TestRoutines.reporting;
import static io.meshfed.actors.leader.TestRoutines.statusOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LeaderTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private final TestProbe<Object> events = testKit.createTestProbe();
  private final AtomicInteger failingStarts = new AtomicInteger();
  private final List<RoutineSpec> routines = List.of(
      new RoutineSpec("replication", reporting("replication", events.ref()), backoff(50, 200)),
      new RoutineSpec("anti-entropy", reporting("anti-entropy", events.ref()), backoff(50, 200)),
      new RoutineSpec("pruning", alwaysFailing(failingStarts), backoff(300, 300)));

  /** Through the operator API's message, the one way main code reads the routines of a leader. */
  private List<RoutineStatus> routinesOf(ActorRef<Leader.Command> leader) {
    TestProbe<Leader.RoutineReport> reply = testKit.createTestProbe();
    leader.tell(new Leader.Report(reply.ref()));
    return reply.receiveMessage().routines();
  }

  private void awaitAllStarted(ActorRef<Leader.Command> leader, int failedStartsBefore) {
    assertThat(events.receiveSeveralMessages(2)).containsExactlyInAnyOrder("replication started", "anti-entropy started");
    await().atMost(Duration.ofSeconds(3)).until(() -> failingStarts.get() > failedStartsBefore
        && !statusOf(routinesOf(leader), "pruning").running());
  }

  @Test
  void losingLeadershipStopsEveryRoutineAndANewLeaderStartsThemAgain() {
    ActorRef<Leader.Command> leader = testKit.spawn(leaderFor(routines));
    awaitAllStarted(leader, 0);
    RoutineStatus pruning = statusOf(routinesOf(leader), "pruning");
    assertThat(pruning.restarts()).isEqualTo(failingStarts.get());
    assertThat(pruning.lastError()).isEqualTo("IllegalStateException: failure " + failingStarts.get());

    // pruning is now waiting out its backoff; its timer belongs to its runner, a descendant of the
    // leader, so it is gone once the leader has stopped (LeaderLeakTest counts what is left).
    testKit.stop(leader);
    assertThat(events.receiveSeveralMessages(2)).containsExactlyInAnyOrder("replication stopped", "anti-entropy stopped");
    int startsAtStop = failingStarts.get();

    ActorRef<Leader.Command> next = testKit.spawn(leaderFor(routines));
    awaitAllStarted(next, startsAtStop);
    assertThat(routinesOf(next)).extracting(RoutineStatus::name).containsExactly("anti-entropy", "pruning", "replication");
    testKit.stop(next);
    assertThat(events.receiveSeveralMessages(2)).containsExactlyInAnyOrder("replication stopped", "anti-entropy stopped");
  }

  @Test
  void shutdownStopsTheRoutinesBeforeTheLeader() {
    ActorRef<Leader.Command> leader = testKit.spawn(leaderFor(routines));
    awaitAllStarted(leader, 0);
    TestProbe<Object> watcher = testKit.createTestProbe();

    leader.tell(new Leader.Shutdown());
    assertThat(events.receiveSeveralMessages(2)).containsExactlyInAnyOrder("replication stopped", "anti-entropy stopped");
    watcher.expectTerminated(leader);
  }

  @Test
  void theReportNamesTheLeaderAndCarriesWhatRoutinesReport() {
    Map<String, Map<String, String>> details = Map.of("replication", Map.of("last-success", "12:00"));
    ActorRef<Leader.Command> leader = testKit.spawn(Leader.create("n7",
        List.of(new RoutineSpec("replication", reporting("replication", events.ref()), backoff(50, 200))),
        () -> details));
    events.expectMessage("replication started");
    TestProbe<Leader.RoutineReport> reply = testKit.createTestProbe();

    leader.tell(new Leader.Report(reply.ref()));
    assertThat(reply.receiveMessage()).isEqualTo(new Leader.RoutineReport("n7",
        List.of(new RoutineStatus("replication", true, 0, "", null)), details));
    testKit.stop(leader);
    events.expectMessage("replication stopped");
  }

  @Test
  void refusesBadRoutineLists() {
    RoutineSpec a = new RoutineSpec("a", reporting("a", events.ref()), backoff(50, 200));
    assertThatThrownBy(() -> leaderFor(List.of(a, a))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("routine a is listed twice");
    assertThatThrownBy(() -> leaderFor(List.of(new RoutineSpec("", reporting("b", events.ref()), backoff(50, 200)))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
