package io.meshfed.actors.leader;

import static io.meshfed.actors.leader.TestRoutines.backoff;
import static io.meshfed.actors.leader.TestRoutines.reporting;
import static io.meshfed.actors.leader.TestRoutines.slowToStop;
import static io.meshfed.actors.leader.TestRoutines.statusOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
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

  @Test
  void aFailingRoutineRestartsWithBackoffAndLogsEachFailureOnce() {
    AtomicInteger attempts = new AtomicInteger();
    List<Long> startedAt = new CopyOnWriteArrayList<>();
    // Fails in setup the first time, on its first message the second time, then runs.
    RoutineSpec spec = new RoutineSpec("flaky", () -> Behaviors.setup(ctx -> {
      int attempt = attempts.incrementAndGet();
      startedAt.add(System.nanoTime());
      events.ref().tell("flaky started " + attempt);
      if (attempt == 1) {
        throw new IllegalStateException("cannot reach the primary");
      }
      if (attempt == 2) {
        ctx.getSelf().tell("fail");
        return Behaviors.receive(Object.class)
            .onMessageEquals("fail", () -> {
              throw new IllegalArgumentException("bad index 7");
            })
            .build();
      }
      return Behaviors.<Object>empty();
    }), backoff(150, 2_000));

    LoggingTestKit.warn("routine flaky failed, restarting in").withOccurrences(2).expect(testKit.system(), () -> {
      start(spec);
      events.expectMessage("flaky started 1");
      events.expectMessage("flaky started 2");
      events.expectMessage("flaky started 3");
      return null;
    });

    assertThat(Duration.ofNanos(startedAt.get(1) - startedAt.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    assertThat(Duration.ofNanos(startedAt.get(2) - startedAt.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    // The runner reports the third start to the manager asynchronously.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> statusOf(status(), "flaky").running());
    RoutineStatus status = statusOf(status(), "flaky");
    assertThat(status.restarts()).isEqualTo(2);
    assertThat(status.lastError()).isEqualTo("IllegalArgumentException: bad index 7");
    assertThat(status.lastErrorAt()).isNotNull();
    events.expectNoMessage(Duration.ofMillis(200));
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
    events.expectMessage("a started");
    events.expectMessage("b started");

    manager.tell(new RoutineManager.StopAll(events.ref().narrow()));
    List<Object> before = events.receiveSeveralMessages(2);
    assertThat(before).containsExactlyInAnyOrder("a stopped", "b stopping");
    events.expectNoMessage(Duration.ofMillis(100));
    release.countDown();
    events.expectMessage("b stopped");
    events.expectMessage(Done.getInstance());
    assertThat(status()).isEmpty();
  }

  @Test
  void namesThatAreNotValidActorNamesStillWork() {
    start(new RoutineSpec("federation state/replication #1 ü", reporting("odd", events.ref()), backoff(50, 200)));
    events.expectMessage("odd started");
    assertThat(statusOf(status(), "federation state/replication #1 ü").running()).isTrue();
  }
}
