package io.meshfed.actors.guardian;

import io.meshfed.actors.supervision.FailureReporter;
import io.meshfed.actors.time.Backoff;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one long-lived actor of the server running. The actor runs as the supervisor's child and
 * every message sent to the supervisor is forwarded to it, so a reference to the supervisor is good
 * for the server's lifetime. When the child fails with an unexpected exception (in its setup, a
 * message or a signal), one line is logged, with the stack trace only for the first failure of a
 * streak, and the child is replaced after a backoff: the supervisor fails itself, Pekko restarts it
 * with {@link Backoff#SUPERVISION} (stashing the messages sent meanwhile), and the restarted
 * supervisor starts a fresh child and hands it those messages.
 *
 * <p>A fresh child rather than an in-place restart of the actor: an in-place restart keeps the
 * actor's reference, so what the failed instance had in flight (a store read or a probe piped to
 * itself, a gossip exchange) would be answered to the new instance, which would take it for its
 * own; the gateway locator, for one, would then run two read loops. A fresh child has a new
 * reference and those answers go to dead letters. The failed child stops as on any stop, its
 * PostStop releasing what it held, and the restart waits until it has stopped before starting the
 * next one, so two instances never hold the same resources.
 *
 * <p>What is lost in a failure: the message the child failed on, as with any restart, and the
 * messages already forwarded to it but not yet handled, which its stop sends to dead letters. For
 * the actors supervised here that is gossip (lossy by design) and asks, which time out.
 *
 * <p>A child that stops by itself (the leader handing over) stops the supervisor too.
 */
public final class Supervisor {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  private Supervisor() {}

  /** Told by a child that failed, just before it stops. */
  private record Failed(ActorRef<Object> child, Exception cause) {}

  /** How the supervisor fails, for Pekko to restart it: logged here, not by Pekko. */
  static final class ChildFailedException extends RuntimeException {
    ChildFailedException(String actor, Throwable cause) {
      super(actor + " failed", cause);
    }
  }

  /**
   * @param name the child's name, followed by its incarnation ({@code wan-membership-1}, ...)
   * @param child started afresh for each incarnation: a factory such as {@code Behaviors.setup}
   */
  static <T> Behavior<T> create(String name, Behavior<T> child) {
    // Survive the supervisor's restarts: they number the children and tell a streak of failures
    // from a new incident.
    AtomicInteger incarnations = new AtomicInteger();
    AtomicInteger streak = new AtomicInteger();
    AtomicLong startedNanos = new AtomicLong();
    @SuppressWarnings("unchecked")
    Behavior<Object> untyped = (Behavior<Object>) (Behavior<?>) child;
    Behavior<Object> running = Behaviors.setup(ctx -> {
      ActorRef<Object> self = ctx.getSelf();
      ActorRef<Object> current = ctx.spawn(
          FailureReporter.around(untyped, (failed, cause) -> self.tell(new Failed(failed, cause))),
          name + "-" + incarnations.incrementAndGet());
      ctx.watch(current);
      startedNanos.set(System.nanoTime());
      return Behaviors.receive(Object.class)
          .onMessage(Failed.class, m -> {
            if (!m.child().equals(current)) {
              return Behaviors.same();
            }
            throw failure(m.child(), m.cause(), streak, startedNanos.get());
          })
          // A previous child's end can arrive after the restart (it may have stopped before the
          // supervisor failed, which then had no child to wait for): it is not this one's.
          .onSignal(ChildFailed.class, s -> {
            if (!s.getRef().equals(current)) {
              return Behaviors.same();
            }
            // Failed past the reporter (Pekko has logged it): replaced all the same.
            throw failure(current, s.getCause(), streak, startedNanos.get());
          })
          .onSignal(Terminated.class, s -> s.getRef().equals(current) ? Behaviors.stopped() : Behaviors.same())
          .onAnyMessage(m -> {
            current.tell(m);
            return Behaviors.same();
          })
          .build();
    });
    return Behaviors.supervise(running)
        .onFailure(Backoff.SUPERVISION.restartStrategy().withLoggingEnabled(false))
        .narrow();
  }

  private static ChildFailedException failure(ActorRef<Object> child, Throwable cause, AtomicInteger streak,
      long startedNanos) {
    Duration ranFor = Duration.ofNanos(System.nanoTime() - startedNanos);
    // A child that ran longer than the longest backoff was healthy: its failure starts a new streak.
    if (ranFor.compareTo(Backoff.SUPERVISION.max()) > 0) {
      streak.set(0);
    }
    int n = streak.incrementAndGet();
    String actor = child.path().toStringWithoutAddress();
    if (n == 1) {
      LOG.error("actor {} failed, restarting it with backoff: {}", actor, describe(cause), cause);
    } else {
      LOG.error("actor {} failed again ({} in a row), restarting it with backoff: {}", actor, n, describe(cause));
    }
    return new ChildFailedException(actor, cause);
  }

  private static String describe(Throwable cause) {
    String type = cause.getClass().getName();
    return cause.getMessage() == null ? type : type + ": " + cause.getMessage();
  }
}
