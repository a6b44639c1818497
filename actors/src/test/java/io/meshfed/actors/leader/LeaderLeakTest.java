package io.meshfed.actors.leader;

import static io.meshfed.actors.leader.TestRoutines.alwaysFailing;
import static io.meshfed.actors.leader.TestRoutines.backoff;
import static io.meshfed.actors.leader.TestRoutines.leaderFor;
import static io.meshfed.actors.leader.TestRoutines.statusOf;
import static io.meshfed.actors.leader.TestRoutines.ticking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Many leadership changes leave no actor, thread or timer behind. Runs in its own actor system so
 * that nothing else lives in the tree it counts.
 */
class LeaderLeakTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  /**
   * Threads the JVM and the dispatcher may add on their own: the default dispatcher is a
   * ForkJoinPool that creates workers on demand (up to its parallelism) and retires them after a
   * minute idle, and the JVM may start helper threads (for example a Common-Cleaner or attach
   * listener). A leak would grow with the number of leadership changes, far past this.
   */
  private static final int THREAD_TOLERANCE = 2;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Polls in the test thread: awaitility's default poller is a thread of its own. */
  private static ConditionFactory awaitHere() {
    return await().pollInSameThread().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5));
  }

  /** printTree prints one line ("-> name ...") per live actor of the classic tree under /. */
  private static long liveActors() {
    return testKit.system().printTree().lines().filter(l -> l.contains("-> ")).count();
  }

  private final AtomicLong ticks = new AtomicLong();
  private final AtomicInteger failingStarts = new AtomicInteger();
  private final TestProbe<Leader.RoutineReport> statusReply = testKit.createTestProbe();
  private final List<RoutineSpec> routines = List.of(
      new RoutineSpec("ticker", ticking(ticks), backoff(50, 200)),
      new RoutineSpec("idle", () -> Behaviors.empty(), backoff(50, 200)),
      new RoutineSpec("failing", alwaysFailing(failingStarts), backoff(5_000, 10_000)));

  private ActorRef<Leader.Command> leadershipRunning() {
    long ticksBefore = ticks.get();
    int failuresBefore = failingStarts.get();
    ActorRef<Leader.Command> leader = testKit.spawn(leaderFor(routines));
    awaitHere().until(() -> ticks.get() > ticksBefore + 1 && failingStarts.get() > failuresBefore);
    // The failure reaches the manager's status a moment after the routine's own counter moved.
    awaitHere().until(() -> {
      List<RoutineStatus> status = routinesOf(leader);
      return !statusOf(status, "failing").running() && statusOf(status, "ticker").running();
    });
    return leader;
  }

  private List<RoutineStatus> routinesOf(ActorRef<Leader.Command> leader) {
    leader.tell(new Leader.Report(statusReply.ref()));
    return statusReply.receiveMessage().routines();
  }

  @Test
  void fiftyLeadershipChangesLeaveNothingBehind() {
    // Warm up: the first rounds load classes and let the dispatcher reach its working size.
    for (int i = 0; i < 5; i++) {
      testKit.stop(leadershipRunning());
    }
    long actorsBefore = liveActors();
    int threadsBefore = Thread.getAllStackTraces().size();

    // The count really follows live actors: leader, manager, 3 runners, 2 live routines (the
    // failing one is waiting out its backoff, with no actor).
    ActorRef<Leader.Command> probeLeader = leadershipRunning();
    assertThat(liveActors()).isEqualTo(actorsBefore + 7);
    testKit.stop(probeLeader);
    assertThat(liveActors()).isEqualTo(actorsBefore);

    for (int i = 0; i < 50; i++) {
      testKit.stop(leadershipRunning());
    }

    assertThat(liveActors()).as("live actors after 50 leadership changes").isEqualTo(actorsBefore);
    int threadsAfter = Thread.getAllStackTraces().size();
    assertThat(threadsAfter).as("threads: %d before, %d after", threadsBefore, threadsAfter)
        .isLessThanOrEqualTo(threadsBefore + THREAD_TOLERANCE);
    long ticksAfter = ticks.get();
    int failuresAfter = failingStarts.get();
    await().pollInSameThread().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1))
        .until(() -> ticks.get() == ticksAfter && failingStarts.get() == failuresAfter);
  }
}
