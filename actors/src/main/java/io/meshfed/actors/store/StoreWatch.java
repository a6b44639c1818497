package io.meshfed.actors.store;

import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.errors.Failures;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * Keeps a copy of one store table current on this server: a chain of blocking reads, each from the
 * index of the last answer, handing every answer whose index moved to {@code onChange}. A failed read
 * (the store moving to another server, this server not joined yet) is retried every {@link #RETRY};
 * a run of {@link #WARN_AFTER} failures is logged once, and its end.
 *
 * <p>Each read waits at most {@link #WAIT}: a parked read is lost when the store moves, and the
 * watch only learns it when its ask times out, so the wait bounds how stale the copy can get then.
 */
public final class StoreWatch {
  static final Duration WAIT = Duration.ofSeconds(30);
  /**
   * A failed read is retried after a second, without backing off: the usual failure is a server that
   * has not joined its DC yet, or a store that is moving, and the copy should follow at once when it
   * can. A read is a local ask, so one a second costs nothing even while the store is down.
   */
  static final Duration RETRY = Duration.ofSeconds(1);
  /** Failures before the first log line: the first reads of a starting server fail as a rule. */
  static final int WARN_AFTER = 5;

  public sealed interface Command {}

  private record Answered(DcStore.QueryResult<?> result, Throwable failure) implements Command {}

  private record Retry() implements Command {}

  private StoreWatch() {}

  /**
   * @param what the table, for log lines
   * @param read the store's blocking read: (minIndex, wait, replyTo) as a command
   * @param onChange called from the actor with each answer whose index differs from the last one
   */
  public static <T> Behavior<Command> create(String what, StoreClient store,
      Read<T> read, Consumer<DcStore.QueryResult<T>> onChange) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(read, "read");
    Objects.requireNonNull(onChange, "onChange");
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(StoreWatch.class);
      return new Watching<>(ctx, timers, what, store, read, onChange).start();
    }));
  }

  /** A blocking read of one table. */
  @FunctionalInterface
  public interface Read<T> {
    DcStore.Command of(long minIndex, Duration wait, ActorRef<StatusReply<DcStore.QueryResult<T>>> replyTo);
  }

  private static final class Watching<T> {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final String what;
    private final StoreClient store;
    private final Read<T> read;
    private final Consumer<DcStore.QueryResult<T>> onChange;
    private long index;
    private int failures;

    Watching(ActorContext<Command> ctx, TimerScheduler<Command> timers, String what, StoreClient store, Read<T> read,
        Consumer<DcStore.QueryResult<T>> onChange) {
      this.ctx = ctx;
      this.timers = timers;
      this.what = what;
      this.store = store;
      this.read = read;
      this.onChange = onChange;
    }

    Behavior<Command> start() {
      ask();
      return Behaviors.receive(Command.class)
          .onMessage(Answered.class, this::onAnswer)
          .onMessage(Retry.class, m -> {
            ask();
            return Behaviors.same();
          })
          .build();
    }

    private void ask() {
      QueryOptions q = new QueryOptions("", index, WAIT);
      ctx.pipeToSelf(store.<DcStore.QueryResult<T>>askBlocking(q, reply -> read.of(index, WAIT, reply)),
          (r, e) -> new Answered(r, e));
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onAnswer(Answered m) {
      if (m.failure() != null) {
        failures++;
        if (failures == WARN_AFTER) {
          ctx.getLog().warn("cannot read the {} from the store ({} tries), retrying: {}", what, failures,
              Failures.unwrap(m.failure()).getMessage());
        }
        timers.startSingleTimer(new Retry(), RETRY);
        return Behaviors.same();
      }
      if (failures >= WARN_AFTER) {
        ctx.getLog().info("reading the {} from the store works again, after {} failed reads", what, failures);
      }
      failures = 0;
      DcStore.QueryResult<T> result = (DcStore.QueryResult<T>) m.result();
      if (result.index() != index) {
        index = result.index();
        onChange.accept(result);
      }
      ask();
      return Behaviors.same();
    }
  }
}
