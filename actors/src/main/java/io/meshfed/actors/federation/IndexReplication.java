package io.meshfed.actors.federation;

import io.meshfed.actors.forward.ReplicationSignal;
import io.meshfed.protocol.errors.Failures;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The replication of one table from the primary into a secondary's store, a leader routine: the actor
 * that carries out what {@link ReplicationCore} decides, for any {@link ReplicatedTable}. Federation
 * states ({@link FederationStateReplication}) and the ACL table ({@link AclReplication}) are its two
 * users. It feeds the core the answers and the time; every wait is an actor timer, so stopping cancels
 * it, and a fetch still parked in the primary is cancelled. A step the core's watchdog finds wedged
 * ends the instance as failed, so that its runner restarts it.
 */
public final class IndexReplication {
  /** How often the primary's arrivals in the WAN view are looked at. */
  static final Duration PATH_CHECK_INTERVAL = Duration.ofSeconds(1);

  public sealed interface Command {}

  private record TimerFired(ReplicationCore.Timer timer) implements Command {}

  private record PathCheck() implements Command {}

  private record Fetched(ReplicatedTable.Snapshot<?> result, Throwable failure) implements Command {}

  private record LocalRead(List<?> local, Throwable failure) implements Command {}

  private record Applied(Throwable failure) implements Command {}

  /** The core's single timer. */
  private static final Object TIMER = "replication";
  private static final Object PATH_CHECK = "path-check";

  private IndexReplication() {}

  /**
   * @param logger the class whose name the routine's log lines carry
   * @param table what is replicated, from where to where
   * @param replicationToken read for every fetch, so a rotated token applies from the next round
   * @param barrier the feature barrier; while false every round fails with
   *     {@link FederationStateReplication#NOT_SUPPORTED}
   * @param signal told how each fetch went (the gateway locator's, for federation states)
   * @param status where this routine publishes its {@link ReplicationStatus}
   * @param primaryArrivals counts the primary's servers becoming alive in the WAN view
   *     ({@link io.meshfed.actors.wan.WanRouter#arrivals}): a change during a backoff ends it, so
   *     replication resumes within a second of a partition healing instead of up to 2 minutes later
   * @param clock where the core's time and the published times are read from
   */
  static <R> Behavior<Command> create(Class<?> logger, ReplicatedTable<R> table, Supplier<String> replicationToken,
      BooleanSupplier barrier, ReplicationSignal signal, ReplicationStatusHolder status, LongSupplier primaryArrivals,
      FederationStateReplication.Settings settings, RoutineClock clock) {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(replicationToken, "replicationToken");
    Objects.requireNonNull(barrier, "barrier");
    Objects.requireNonNull(signal, "signal");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(primaryArrivals, "primaryArrivals");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(clock, "clock");
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.setLoggerName(logger); // else log lines name Pekko's ActorCell
      signal.replicationStarted();
      status.update(s -> new ReplicationStatus(true, null, null, null, 0, 0));
      Running<R> running = new Running<>(ctx, timers, table, replicationToken, barrier, signal, status,
          primaryArrivals, settings, clock);
      timers.startTimerWithFixedDelay(PATH_CHECK, new PathCheck(), PATH_CHECK_INTERVAL);
      running.run(running.core.start(clock.now()));
      return running.behavior();
    }));
  }

  private static final class Running<R> {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ReplicatedTable<R> table;
    private final Supplier<String> token;
    private final BooleanSupplier barrier;
    private final ReplicationSignal signal;
    private final ReplicationStatusHolder status;
    private final LongSupplier primaryArrivals;
    private final RoutineClock clock;
    final ReplicationCore<R> core;
    /** {@link #primaryArrivals} when last looked at: a change is news for the core. */
    private long arrivalsSeen;
    /** When the primary's answer of the current round arrived ({@link System#nanoTime}); 0 outside a round. */
    private long answeredAt;
    /** The fetch in flight, cancelled if the routine stops (it may be parked in the primary for a while). */
    private CompletableFuture<ReplicatedTable.Snapshot<R>> fetching;

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, ReplicatedTable<R> table,
        Supplier<String> token, BooleanSupplier barrier, ReplicationSignal signal, ReplicationStatusHolder status,
        LongSupplier primaryArrivals, FederationStateReplication.Settings settings, RoutineClock clock) {
      this.ctx = ctx;
      this.timers = timers;
      this.table = table;
      this.token = token;
      this.barrier = barrier;
      this.signal = signal;
      this.status = status;
      this.primaryArrivals = primaryArrivals;
      this.clock = clock;
      this.core = new ReplicationCore<>(settings, table.kind(), clock.now());
      this.arrivalsSeen = primaryArrivals.getAsLong();
    }

    @SuppressWarnings("unchecked")
    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(TimerFired.class, m -> run(core.timer(m.timer(), clock.now(), barrier.getAsBoolean())))
          .onMessage(PathCheck.class, m -> {
            long arrivals = primaryArrivals.getAsLong();
            if (arrivals == arrivalsSeen) {
              return Behaviors.same();
            }
            arrivalsSeen = arrivals;
            return run(core.pathChanged("a server of the primary datacenter is alive again", clock.now()));
          })
          .onMessage(Fetched.class, m -> {
            fetching = null;
            answeredAt = m.failure() == null ? System.nanoTime() : 0;
            return run(m.failure() == null
                ? core.fetched(m.result().index(), (List<R>) m.result().records(), clock.now())
                : core.fetchFailed(Failures.unwrap(m.failure()), clock.now()));
          })
          .onMessage(LocalRead.class, m -> run(m.failure() == null
              ? core.localRead((List<R>) m.local(), clock.now())
              : core.localReadFailed(Failures.unwrap(m.failure()), clock.now())))
          .onMessage(Applied.class, m -> run(m.failure() == null
              ? core.applied(clock.now())
              : core.applyFailed(Failures.unwrap(m.failure()), clock.now())))
          .onSignal(PostStop.class, s -> {
            // Timers die with the actor. A fetch still in flight is cancelled, which cancels the
            // forwarded call in the primary; whatever answers after this goes to dead letters.
            if (fetching != null) {
              fetching.cancel(true);
            }
            signal.replicationStopped();
            status.update(st -> new ReplicationStatus(false, st.lastSuccessAt(), st.lastErrorAt(), st.lastError(),
                st.remoteIndex(), st.consecutiveFailures()));
            return Behaviors.same();
          })
          .build();
    }

    @SuppressWarnings("unchecked")
    Behavior<Command> run(List<ReplicationCore.Action> actions) {
      for (ReplicationCore.Action action : actions) {
        if (action instanceof ReplicationCore.Fetch f) {
          status.countRound();
          fetching = call(() -> table.fetch(token.get(), f.minIndex(), f.maxWait())).toCompletableFuture();
          ctx.pipeToSelf(fetching, Fetched::new);
        } else if (action instanceof ReplicationCore.ReadLocal) {
          ctx.pipeToSelf(call(table::readLocal), LocalRead::new);
        } else if (action instanceof ReplicationCore.Apply<?> w) {
          ctx.pipeToSelf(call(() -> table.apply(w.op(), (R) w.record())), (done, err) -> new Applied(err));
        } else if (action instanceof ReplicationCore.StartTimer t) {
          timers.startSingleTimer(TIMER, new TimerFired(t.timer()), t.after());
        } else if (action instanceof ReplicationCore.TellLocator t) {
          signal.replicationResult(t.error());
        } else if (action instanceof ReplicationCore.Succeeded s) {
          roundEnded(true);
          status.update(st -> st.succeeded(clock.instant(), s.remoteIndex()));
        } else if (action instanceof ReplicationCore.Failed f) {
          roundEnded(false);
          status.update(st -> st.failed(clock.instant(), f.error()));
        } else if (action instanceof ReplicationCore.Log l) {
          ctx.getLog().atLevel(l.level()).log(l.message());
        } else if (action instanceof ReplicationCore.Wedged w) {
          // Ends this instance as failed: the routine runner logs the reason once and starts a fresh
          // one, and PostStop cancels the step that never answered.
          status.countWedged();
          throw new ReplicationWedged(w.reason());
        }
      }
      return Behaviors.same();
    }

    /** Times a round that got the primary's answer; a round that failed before it has no time to record. */
    private void roundEnded(boolean ok) {
      if (answeredAt != 0) {
        status.recordRound(System.nanoTime() - answeredAt, ok);
        answeredAt = 0;
      }
    }
  }

  /** A step of the routine never answered ({@link ReplicationCore.Wedged}). */
  static final class ReplicationWedged extends RuntimeException {
    ReplicationWedged(String reason) {
      super(reason, null, false, false);
    }
  }

  /** A call that throws instead of returning a failed stage is a failed step, not a crash. */
  static <T> CompletionStage<T> call(Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
