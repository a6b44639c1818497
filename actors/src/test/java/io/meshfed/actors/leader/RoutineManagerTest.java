package io.meshfed.actors.leader;

import static io.meshfed.actors.leader.TestRoutines.backoff;
import static io.meshfed.actors.leader.TestRoutines.reporting;
import static io.meshfed.actors.leader.TestRoutines.slowToStop;
import static io.meshfed.actors.leader.TestRoutines.statusOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.actors.time.Backoff;
import io.meshfed.actors.time.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RoutineManagerTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private final TestProbe<Object> events = testKit.createTestProbe();
  private final ActorRef<RoutineManager.Command> manager = testKit.spawn(RoutineManager.create());

  private void start(RoutineSpec spec) {
    TestProbe<StatusReply<Done>> reply = testKit.createTestProbe();
    manager.tell(new RoutineManager.Start(spec, reply.ref()));
    assertThat(reply.receiveMessage().isSuccess()).isTrue();
  }

  private List<RoutineStatus> status() {
    TestProbe<List<RoutineStatus>> reply = testKit.createTestProbe();
    manager.tell(new RoutineManager.GetStatus(reply.ref()));
    return reply.receiveMessage();
  }

  @Test
  void startIsIdempotent() {
    RoutineSpec spec = new RoutineSpec("replication", reporting("replication", events.ref()), backoff(50, 200));
    start(spec);
    start(spec);
    start(new RoutineSpec("replication", reporting("second instance", events.ref()), backoff(50, 200)));

    events.expectMessage("replication started");
    events.expectNoMessage(Duration.ofMillis(200));
    assertThat(status()).containsExactly(new RoutineStatus("replication", true, 0, "", null));
  }

  @Test
  void emptyNameIsRefused() {
    TestProbe<StatusReply<Done>> reply = testKit.createTestProbe();
    manager.tell(new RoutineManager.Start(new RoutineSpec("", reporting("x", events.ref()), backoff(50, 200)), reply.ref()));

    StatusReply<Done> answer = reply.receiveMessage();
    assertThat(answer.isError()).isTrue();
    assertThat(answer.getError().getMessage()).isEqualTo("routine name must not be empty");
    events.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void stopCompletesOnlyOnceTheRoutineHasStopped() {
    CountDownLatch release = new CountDownLatch(1);
    start(new RoutineSpec("anti-entropy", slowToStop("ae", events.ref(), release), backoff(50, 200)));
    events.expectMessage("ae started");

    manager.tell(new RoutineManager.Stop("anti-entropy", events.ref().narrow()));
    manager.tell(new RoutineManager.Stop("anti-entropy", events.ref().narrow()));
    events.expectMessage("ae stopping");
    events.expectNoMessage(Duration.ofMillis(200));
    release.countDown();

    events.expectMessage("ae stopped");
    events.expectMessage(Done.getInstance());
    events.expectMessage(Done.getInstance());
    assertThat(status()).isEmpty();
  }

  @Test
  void stopOfAnUnknownNameCompletesAtOnce() {
    manager.tell(new RoutineManager.Stop("no-such-routine", events.ref().narrow()));
    events.expectMessage(Done.getInstance());
  }

  @Test
  void startAfterStopRunsANewInstance() {
    RoutineSpec spec = new RoutineSpec("pruning", reporting("pruning", events.ref()), backoff(50, 200));
    start(spec);
    events.expectMessage("pruning started");
    manager.tell(new RoutineManager.Stop("pruning", events.ref().narrow()));
    events.expectMessage("pruning stopped");
    events.expectMessage(Done.getInstance());

    start(spec);
    events.expectMessage("pruning started");
    assertThat(statusOf(status(), "pruning").running()).isTrue();
  }

  /** Consul's TestManager_StopBlocking: a routine still stopping does not block its restart. */
  @Test
  void startWhileTheOldInstanceIsStillStoppingRunsANewOne() {
    CountDownLatch release = new CountDownLatch(1);
    start(new RoutineSpec("acl-replication", slowToStop("old", events.ref(), release), backoff(50, 200)));
    events.expectMessage("old started");
    manager.tell(new RoutineManager.Stop("acl-replication", events.ref().narrow()));
    events.expectMessage("old stopping");

    start(new RoutineSpec("acl-replication", reporting("new", events.ref()), backoff(50, 200)));
    events.expectMessage("new started");
    assertThat(status()).containsExactly(new RoutineStatus("acl-replication", true, 0, "", null));

    release.countDown();
    events.expectMessage("old stopped");
    events.expectMessage(Done.getInstance());
    assertThat(statusOf(status(), "acl-replication").running()).isTrue();
  }

  /**
   * The wiring of the restart rules (their timing is {@link RoutineRestartsTest}'s): each failure is
   * logged once with the wait the rules chose, the runner's time is the clock it was given, and a
   * failure during setup counts like one in a message handler.
   */
  @Test
  void aFailingRoutineIsRestartedOnItsClockAndEachFailureIsLoggedOnce() {
    Instant t0 = Instant.parse("2024-05-01T10:00:00Z");
    TestClock clock = new TestClock(t0);
    ActorRef<RoutineManager.Command> onClock = testKit.spawn(RoutineManager.create(clock));
    AtomicInteger attempts = new AtomicInteger();
    // Fails in setup the first time; later instances fail when told to.
    RoutineSpec spec = new RoutineSpec("flaky", () -> Behaviors.setup(ctx -> {
      int attempt = attempts.incrementAndGet();
      events.ref().tell("flaky started " + attempt);
      if (attempt == 1) {
        throw new IllegalStateException("cannot reach the primary");
      }
      events.ref().tell(ctx.getSelf());
      return Behaviors.receive(Object.class)
          .onMessageEquals("fail", () -> {
            throw new IllegalArgumentException("bad index " + attempt);
          })
          .build();
    }), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 0.0));

    LoggingTestKit.warn("routine flaky failed, restarting in 100 ms: IllegalStateException: cannot reach the primary")
        .expect(testKit.system(), () -> {
          TestProbe<StatusReply<Done>> reply = testKit.createTestProbe();
          onClock.tell(new RoutineManager.Start(spec, reply.ref()));
          events.expectMessage("flaky started 1");
          return null;
        });
    events.expectMessage("flaky started 2");
    ActorRef<Object> second = routineRef();

    // No time passed on the clock: the second failure is one more in the streak.
    LoggingTestKit.warn("routine flaky failed, restarting in 200 ms: IllegalArgumentException: bad index 2")
        .expect(testKit.system(), () -> {
          second.tell("fail");
          events.expectMessage("flaky started 3");
          return null;
        });
    ActorRef<Object> third = routineRef();
    awaitStatus(onClock, new RoutineStatus("flaky", true, 2, "IllegalArgumentException: bad index 2", t0));

    // An hour on the clock is longer than the longest wait: a new streak starts from the shortest.
    clock.advance(Duration.ofHours(1));
    LoggingTestKit.warn("routine flaky failed, restarting in 100 ms: IllegalArgumentException: bad index 3")
        .expect(testKit.system(), () -> {
          third.tell("fail");
          events.expectMessage("flaky started 4");
          return null;
        });
    routineRef();
    awaitStatus(onClock, new RoutineStatus("flaky", true, 3, "IllegalArgumentException: bad index 3",
        t0.plus(Duration.ofHours(1))));
    testKit.stop(onClock);
  }

  @SuppressWarnings("unchecked")
  private ActorRef<Object> routineRef() {
    return (ActorRef<Object>) events.expectMessageClass(ActorRef.class);
  }

  /** The runner reports to the manager asynchronously. */
  private void awaitStatus(ActorRef<RoutineManager.Command> of, RoutineStatus expected) {
    TestProbe<List<RoutineStatus>> reply = testKit.createTestProbe();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> {
      of.tell(new RoutineManager.GetStatus(reply.ref()));
      return reply.receiveMessage().equals(List.of(expected));
    });
  }

  @Test
  void aRunnerThatFailsItselfIsRestartedAndStartsItsRoutineAgain() {
    // The spec's supplier runs in the runner: its exception is a failure of the runner, not of the routine.
    AtomicInteger builds = new AtomicInteger();
    Supplier<Behavior<?>> works = reporting("flaky", events.ref());
    start(new RoutineSpec("flaky", () -> {
      if (builds.incrementAndGet() == 1) {
        throw new IllegalStateException("building the routine failed");
      }
      return works.get();
    }, backoff(50, 200)));

    events.expectMessage(Duration.ofSeconds(10), "flaky started");
    assertThat(builds.get()).isEqualTo(2);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3))
        .until(() -> statusOf(status(), "flaky").running());
  }

  @Test
  void aRoutineThatStopsByItselfIsNotRestarted() {
    Behavior<Object> once = Behaviors.setup(ctx -> {
      events.ref().tell("once started");
      return Behaviors.stopped();
    });
    start(new RoutineSpec("once", () -> once, backoff(50, 200)));
    events.expectMessage("once started");

    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3))
        .until(() -> status().equals(List.of(new RoutineStatus("once", false, 0, "", null))));
    events.expectNoMessage(Duration.ofMillis(300));

    start(new RoutineSpec("once", () -> once, backoff(50, 200)));
    events.expectMessage("once started");
  }

  @Test
  void stopAllCompletesWhenEveryRoutineHasStopped() {
    CountDownLatch release = new CountDownLatch(1);
    start(new RoutineSpec("a", reporting("a", events.ref()), backoff(50, 200)));
    start(new RoutineSpec("b", slowToStop("b", events.ref(), release), backoff(50, 200)));
    try {
      // Each routine starts in its own actor: the two may report in either order.
      assertThat(events.receiveSeveralMessages(2)).containsExactlyInAnyOrder("a started", "b started");

      manager.tell(new RoutineManager.StopAll(events.ref().narrow()));
      List<Object> before = events.receiveSeveralMessages(2);
      assertThat(before).containsExactlyInAnyOrder("a stopped", "b stopping");
      events.expectNoMessage(Duration.ofMillis(100));
      release.countDown();
      events.expectMessage("b stopped");
      events.expectMessage(Done.getInstance());
      assertThat(status()).isEmpty();
    } finally {
      // A failure above must not leave b holding the test kit's shutdown.
      release.countDown();
    }
  }

  @Test
  void namesThatAreNotValidActorNamesStillWork() {
    start(new RoutineSpec("federation state/replication #1 ü", reporting("odd", events.ref()), backoff(50, 200)));
    events.expectMessage("odd started");
    assertThat(statusOf(status(), "federation state/replication #1 ü").running()).isTrue();
  }
}
