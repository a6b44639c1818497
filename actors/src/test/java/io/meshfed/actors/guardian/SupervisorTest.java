package io.meshfed.actors.guardian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A supervised actor that fails is replaced after a backoff, behind a reference that stays good. */
class SupervisorTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  /** Past the first restart's backoff (1 s, plus up to 20 % jitter) and the second's (2 s). */
  private static final Duration RESTARTED = Duration.ofSeconds(5);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  sealed interface Msg {}

  record Ping(ActorRef<String> replyTo) implements Msg {}

  record Fail() implements Msg {}

  record Finish() implements Msg {}

  /** Pipes {@code value} to the actor itself, which then tells {@code replyTo} who received it. */
  record PipeLater(CompletableFuture<String> value, ActorRef<String> replyTo) implements Msg {}

  private record Piped(String value, ActorRef<String> replyTo) implements Msg {}

  private final TestProbe<String> events = testKit.createTestProbe();
  private final Logger supervisorLog = (Logger) LoggerFactory.getLogger(Supervisor.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private static final AtomicInteger names = new AtomicInteger();

  @BeforeEach
  void captureLogs() {
    logs.start();
    supervisorLog.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    supervisorLog.detachAppender(logs);
  }

  /** Reports its start and stop (by its name) to {@link #events}; fails its first {@code setupFailures} setups. */
  private Behavior<Msg> worker(AtomicInteger setupFailures) {
    return Behaviors.setup(ctx -> {
      String name = ctx.getSelf().path().name();
      events.ref().tell("started " + name);
      if (setupFailures.getAndDecrement() > 0) {
        throw new IllegalStateException("setup failed");
      }
      return Behaviors.receive(Msg.class)
          .onMessage(Ping.class, m -> {
            m.replyTo().tell("pong from " + name);
            return Behaviors.same();
          })
          .onMessage(Fail.class, m -> {
            throw new IllegalStateException("boom");
          })
          .onMessage(Finish.class, m -> Behaviors.stopped())
          .onMessage(PipeLater.class, m -> {
            ctx.pipeToSelf(m.value(), (v, e) -> new Piped(v, m.replyTo()));
            return Behaviors.same();
          })
          .onMessage(Piped.class, m -> {
            m.replyTo().tell(m.value() + " reached " + name);
            return Behaviors.same();
          })
          .onSignal(PostStop.class, s -> {
            events.ref().tell("stopped " + name);
            return Behaviors.same();
          })
          .build();
    });
  }

  private ActorRef<Msg> supervised(String name, AtomicInteger setupFailures) {
    return testKit.spawn(Supervisor.create(name, worker(setupFailures)), name);
  }

  private List<ILoggingEvent> errors() {
    synchronized (logs) {
      return new ArrayList<>(logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList());
    }
  }

  @Test
  void aFailedActorIsReplacedAndTheSameReferenceReachesTheNewOne() {
    String name = "worker" + names.incrementAndGet();
    ActorRef<Msg> ref = supervised(name, new AtomicInteger());
    TestProbe<String> replies = testKit.createTestProbe();
    events.expectMessage("started " + name + "-1");
    ref.tell(new Ping(replies.ref()));
    replies.expectMessage("pong from " + name + "-1");

    ref.tell(new Fail());
    // The failed instance has released what it held before the next one starts.
    events.expectMessage("stopped " + name + "-1");
    // Once the supervisor has noticed (it logs then), what is sent waits for the next instance.
    await().atMost(Duration.ofSeconds(5)).until(() -> errors().size() == 1);
    ref.tell(new Ping(replies.ref()));
    events.expectMessage(RESTARTED, "started " + name + "-2");
    replies.expectMessage("pong from " + name + "-2");

    ref.tell(new Fail());
    events.expectMessage("stopped " + name + "-2");
    events.expectMessage(RESTARTED, "started " + name + "-3");
    ref.tell(new Ping(replies.ref()));
    replies.expectMessage("pong from " + name + "-3");

    // One line per failure, naming the actor and the cause; the stack trace with the first only.
    List<ILoggingEvent> errors = errors();
    assertThat(errors).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "actor /user/" + name + "/" + name + "-1 failed, restarting it with backoff: "
            + "java.lang.IllegalStateException: boom",
        "actor /user/" + name + "/" + name + "-2 failed again (2 in a row), restarting it with backoff: "
            + "java.lang.IllegalStateException: boom");
    assertThat(errors.get(0).getThrowableProxy()).isNotNull();
    assertThat(errors.get(1).getThrowableProxy()).isNull();
  }

  @Test
  void aReplyToTheFailedInstanceDoesNotReachTheNewOne() {
    String name = "worker" + names.incrementAndGet();
    ActorRef<Msg> ref = supervised(name, new AtomicInteger());
    TestProbe<String> replies = testKit.createTestProbe();
    events.expectMessage("started " + name + "-1");
    CompletableFuture<String> stale = new CompletableFuture<>();
    ref.tell(new PipeLater(stale, replies.ref()));

    ref.tell(new Fail());
    events.expectMessage("stopped " + name + "-1");
    events.expectMessage(RESTARTED, "started " + name + "-2");
    stale.complete("stale answer");
    CompletableFuture<String> fresh = new CompletableFuture<>();
    ref.tell(new PipeLater(fresh, replies.ref()));
    fresh.complete("fresh answer");

    // Only the new instance's own answer arrives: the failed one's went to dead letters.
    replies.expectMessage("fresh answer reached " + name + "-2");
    replies.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aFailureInSetupIsAFailureToo() {
    String name = "worker" + names.incrementAndGet();
    ActorRef<Msg> ref = supervised(name, new AtomicInteger(1));
    TestProbe<String> replies = testKit.createTestProbe();
    events.expectMessage("started " + name + "-1");
    events.expectMessage(RESTARTED, "started " + name + "-2");
    ref.tell(new Ping(replies.ref()));
    replies.expectMessage("pong from " + name + "-2");
    assertThat(errors()).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "actor /user/" + name + "/" + name + "-1 failed, restarting it with backoff: "
            + "java.lang.IllegalStateException: setup failed");
  }

  @Test
  void anActorThatStopsByItselfStopsItsSupervisor() {
    String name = "worker" + names.incrementAndGet();
    ActorRef<Msg> ref = supervised(name, new AtomicInteger());
    events.expectMessage("started " + name + "-1");
    TestProbe<Object> watcher = testKit.createTestProbe();

    ref.tell(new Finish());

    watcher.expectTerminated(ref);
    events.expectMessage("stopped " + name + "-1");
    events.expectNoMessage(Duration.ofMillis(1500));
    assertThat(errors()).isEmpty();
  }
}
