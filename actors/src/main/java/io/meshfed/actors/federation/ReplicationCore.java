package io.meshfed.actors.federation;

import io.meshfed.actors.store.QueryOptions;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.FederationStateOp;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.slf4j.event.Level;

/**
 * What the replication of one table from the primary decides (federation states, the ACL table), as a
 * deterministic state machine: no Pekko, thread, clock or hidden randomness. Every input carries
 * {@code now}, nanoseconds of a monotonic clock; every effect is a returned {@link Action} that the owner
 * ({@link IndexReplication}, or a simulation) carries out, feeding the outcome back as the next input. The retry jitter comes from the generator passed in, so a seed
 * replays a run. Not thread-safe: one caller at a time.
 *
 * <p>A round: take a token from the limiter (else wait for one), check the feature barrier, fetch the
 * primary's list as a blocking query from the index of the last round, read the local list, write the
 * difference one record at a time with {@code applyInterval} between writes, then start the next round at
 * once. One timer at most is pending at any time ({@link Timer}). What a record is, {@link RecordKind} says.
 *
 * <p>Failures: a failed round forces a full sync and is retried after {@code retry} for the
 * number of consecutive failures. Two kinds of failure do not grow that wait, because they cost the
 * primary nothing and waiting longer only delays the moment the route works:
 * <ul>
 *   <li>a round refused by the feature barrier is retried every {@code barrierRetry}; it is
 *       not logged and not told to the locator (the primary was not tried);</li>
 *   <li>a fetch that found no answer from the primary ({@link #unreachable}: no gateway known, a gateway
 *       that cannot route the name yet, a connection refused or lost) is retried after at most
 *       {@code unreachableRetryMax}, so replication follows within a second or so once a path
 *       exists. The primary's own errors (a refused token, an internal error) keep the full backoff.</li>
 * </ul>
 * {@link #pathChanged} (the owner's news that the path may work now: a server of the primary became alive
 * in the WAN view) ends a retry wait at once, and a failure of a round during which it came is retried at
 * once (both within the limiter). A run of failures is logged at its start and then at most once a minute,
 * counting the rounds left out, and at once when its kind changes (no answer from the primary, or the
 * primary's own error).
 *
 * <p>The watchdog: every step the routine waits for (the primary's read, a local read, a local write) has a
 * {@link Timer#STALL} timer, due {@code stepTimeout} after the step must have answered (the read after its
 * longest wait, the others at once). Each call has a deadline of its own that fails the round, so the
 * timer fires only for an answer that never comes: a read parked past its wait, a future nobody completes.
 * The core then answers {@link Wedged}, and the owner ends the routine as failed, to be started afresh.
 */
final class ReplicationCore<R> {
  /** How often a long run of failures is logged; the rounds in between are counted in the next line. */
  static final Duration FAILURE_LOG_INTERVAL = Duration.ofMinutes(1);

  /** The routine's single timer: what it is waiting for. */
  enum Timer {
    /** The next round: right away, a token of the limiter, a retry, or the barrier. */
    ROUND,
    /** The pause between two writes of a round. */
    APPLY,
    /** The watchdog of the step in flight. */
    STALL
  }

  /** What the owner does, in the order returned. */
  sealed interface Action {}

  /** Fetch the primary's list: a blocking query answered once its index passes {@code minIndex}, or after {@code maxWait}. */
  record Fetch(long minIndex, Duration maxWait) implements Action {}

  /** Read the local store's whole list (not blocking). */
  record ReadLocal() implements Action {}

  /** Write one record of the primary's to the local store, as a replicated copy (or delete a local one). */
  record Apply<R>(FederationStateOp op, R record) implements Action {}

  /** Start the single timer, replacing a pending one; when it fires, call {@link #timer}. */
  record StartTimer(Timer timer, Duration after) implements Action {}

  /** Tell the gateway locator how a fetch went (null: it worked): the health probe of the route to the primary. */
  record TellLocator(Throwable error) implements Action {}

  /** Publish a successful round: replicated up to the primary's {@code remoteIndex}. */
  record Succeeded(long remoteIndex) implements Action {}

  /** Publish a failed round. */
  record Failed(String error) implements Action {}

  /** A line for the routine's log. */
  record Log(Level level, String message) implements Action {}

  /** A step never answered: the owner ends this instance of the routine as failed, with {@code reason}. */
  record Wedged(String reason) implements Action {}

  private enum Phase { NEW, WAITING, FETCHING, READING_LOCAL, APPLYING, WEDGED }

  /** Why the routine waits for its timer: only retries end early on {@link #pathChanged}. */
  private enum Wait { NEXT, LIMIT, RETRY, BARRIER, WRITE }

  private record Write<R>(FederationStateOp op, R record) {}

  private final FederationStateReplication.Settings settings;
  private final RecordKind<R> kind;
  private final TokenBucket limiter;
  private final RandomGenerator random;
  /** The primary's modify index of the last record of each key the local store refused: each is logged once. */
  private final Map<String, Long> refusedRecords = new HashMap<>();
  private final Deque<Write<R>> writes = new ArrayDeque<>();

  private Phase phase = Phase.NEW;
  private Wait waiting;
  /** The timer pending, null if none. */
  private Timer timer;
  /** The primary's index this DC is replicated up to; 0 forces a full sync. */
  private long lastRemoteIndex;
  /** Consecutive failed rounds that count for the backoff (not those the barrier refused). */
  private int failures;
  private boolean pathChangedDuringRound;
  private List<R> remote;
  private long roundIndex;
  private Write<R> writing;
  /** Failure logging of the current run of failures. */
  private boolean runLogged;
  /** Whether the last failure logged found no answer from the primary ({@link #unreachable}). */
  private boolean loggedUnreachable;
  private long lastFailureLogAt;
  private int failuresNotLogged;

  /** The retry jitter is drawn from {@code settings.random()}: seed it to replay a run. */
  ReplicationCore(FederationStateReplication.Settings settings, RecordKind<R> kind, long now) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.random = settings.random();
    this.limiter = new TokenBucket(settings.roundsPerSecond(), settings.burst(), now);
  }

  /** The first round starts at once. */
  List<Action> start(long now) {
    if (phase != Phase.NEW) {
      throw new IllegalStateException("replication already started");
    }
    return waitFor(Wait.NEXT, Duration.ZERO, new ArrayList<>());
  }

  /**
   * The timer fired. {@code barrierPassed} is the feature barrier at this moment (read only for a round).
   * A timer that is not the pending one (replaced meanwhile) is ignored.
   */
  List<Action> timer(Timer fired, long now, boolean barrierPassed) {
    if (fired != timer) {
      return List.of();
    }
    timer = null;
    return switch (fired) {
      case APPLY -> applyNext(new ArrayList<>());
      case ROUND -> round(now, barrierPassed);
      case STALL -> wedged();
    };
  }

  /** The fetch answered: the primary's list at its {@code index}. */
  List<Action> fetched(long index, List<R> records, long now) {
    expect(Phase.FETCHING);
    List<Action> out = new ArrayList<>();
    out.add(new TellLocator(null));
    remote = List.copyOf(records);
    roundIndex = index;
    phase = Phase.READING_LOCAL;
    out.add(new ReadLocal());
    return await(Duration.ZERO, out);
  }

  List<Action> fetchFailed(Throwable error, long now) {
    expect(Phase.FETCHING);
    List<Action> out = new ArrayList<>();
    out.add(new TellLocator(error));
    return fail("failed to retrieve " + kind.what() + ": " + error.getMessage(), unreachable(error), now, out);
  }

  /** The local read answered: the diff's writes follow, deletions first. */
  List<Action> localRead(List<R> local, long now) {
    expect(Phase.READING_LOCAL);
    List<Action> out = new ArrayList<>();
    if (roundIndex < lastRemoteIndex) {
      // The primary's state went back (restored snapshot, rebuilt DC): indexes say nothing now.
      out.add(new Log(Level.WARN, "replication remote index moved backwards, forcing a full sync (from "
          + lastRemoteIndex + " to " + roundIndex + ")"));
      lastRemoteIndex = 0;
    }
    IndexDiff.Result<R> diff = IndexDiff.diff(kind, local, remote, lastRemoteIndex);
    remote = null;
    diff.deletions().forEach(r -> writes.add(new Write<>(FederationStateOp.DELETE, r)));
    diff.updates().forEach(r -> writes.add(new Write<>(FederationStateOp.UPSERT, r)));
    phase = Phase.APPLYING;
    return applyNext(out);
  }

  List<Action> localReadFailed(Throwable error, long now) {
    expect(Phase.READING_LOCAL);
    return fail("failed to read local " + kind.what() + ": " + error.getMessage(), false, now, new ArrayList<>());
  }

  /** The write in flight is done. */
  List<Action> applied(long now) {
    expect(Phase.APPLYING);
    writing = null;
    return afterWrite(new ArrayList<>());
  }

  /**
   * The write in flight failed. A record this DC's store refuses as invalid (one the primary stored before
   * the current limits, or a primary of another version wrote) is left out, once and loudly, instead of
   * failing every round: one bad record must not stop the replication of all the others. Deleting or fixing it
   * in the primary ends it.
   */
  List<Action> applyFailed(Throwable error, long now) {
    expect(Phase.APPLYING);
    Write<R> w = writing;
    writing = null;
    List<Action> out = new ArrayList<>();
    if (error instanceof ApiException refused && refused.code() == ApiException.Code.INVALID_ARGUMENT
        && w.op() == FederationStateOp.UPSERT) {
      String key = kind.key(w.record());
      long index = kind.modifyIndex(w.record());
      Long before = refusedRecords.put(key, index);
      if (before == null || before != index) {
        out.add(new Log(Level.WARN, "replication left out the " + kind.one() + " of " + key
            + " (primary modify index " + index + "): this DC's store refuses it: "
            + refused.getMessage() + "; fix or delete it in the primary"));
      }
      return afterWrite(out);
    }
    String what = w.op() == FederationStateOp.DELETE ? "deletions" : "updates";
    return fail("failed to apply local " + kind.one() + " " + what + ": " + error.getMessage(), false, now, out);
  }

  /**
   * The path to the primary may work now (a server of the primary became alive in the WAN view). A retry
   * (or barrier) wait ends at once; during a round, a failure of that round is retried at once.
   */
  List<Action> pathChanged(String why, long now) {
    if (phase == Phase.WAITING && (waiting == Wait.RETRY || waiting == Wait.BARRIER)) {
      List<Action> out = new ArrayList<>();
      if (waiting == Wait.RETRY) {
        out.add(new Log(Level.INFO, why + ": retrying replication now"));
      }
      return waitFor(Wait.NEXT, Duration.ZERO, out);
    }
    if (phase == Phase.FETCHING || phase == Phase.READING_LOCAL || phase == Phase.APPLYING) {
      pathChangedDuringRound = true;
    }
    return List.of();
  }

  /** Consecutive failures that count for the backoff (for tests and the simulation). */
  int failures() {
    return failures;
  }

  /**
   * A fetch that found no answer from the primary, as opposed to an answer that is an error: the code
   * UNAVAILABLE, which this server gives when no gateway is known for the primary, when the dial failed
   * (a gateway closes a connection whose name it cannot route yet, nothing listens) or the connection was
   * lost, and which a primary gives while it cannot serve at all. Such a failure costs the primary nothing,
   * so retrying it soon is cheap, and the path may appear at any moment.
   */
  static boolean unreachable(Throwable error) {
    return error instanceof ApiException api && api.code() == ApiException.Code.UNAVAILABLE;
  }

  private List<Action> round(long now, boolean barrierPassed) {
    Duration wait = limiter.tryTake(now);
    if (!wait.isZero()) {
      return waitFor(Wait.LIMIT, wait, new ArrayList<>());
    }
    pathChangedDuringRound = false;
    List<Action> out = new ArrayList<>();
    if (!barrierPassed) {
      // Not logged and not told to the locator (Consul's SuppressErrorLog): the primary was not tried.
      // Nor counted for the backoff: the barrier opening is the news this routine waits for.
      lastRemoteIndex = 0;
      out.add(new Failed(FederationStateReplication.NOT_SUPPORTED));
      return waitFor(Wait.BARRIER, settings.barrierRetry(), out);
    }
    phase = Phase.FETCHING;
    out.add(new Fetch(lastRemoteIndex, settings.queryWait()));
    return await(QueryOptions.longestWait(lastRemoteIndex, settings.queryWait()), out);
  }

  private List<Action> applyNext(List<Action> out) {
    Write<R> w = writes.poll();
    if (w == null) {
      return succeed(out);
    }
    phase = Phase.APPLYING;
    writing = w;
    out.add(new Apply<>(w.op(), w.record()));
    return await(Duration.ZERO, out);
  }

  private List<Action> afterWrite(List<Action> out) {
    if (writes.isEmpty()) {
      return succeed(out);
    }
    // Pacing between consecutive writes, not after the last (Consul's apply ticker).
    return waitFor(Wait.WRITE, settings.applyInterval(), out);
  }

  private List<Action> succeed(List<Action> out) {
    lastRemoteIndex = roundIndex;
    if (failuresNotLogged > 0) {
      out.add(new Log(Level.INFO, "replication works again, after " + failures + " failed rounds"));
    }
    failures = 0;
    runLogged = false;
    failuresNotLogged = 0;
    out.add(new Succeeded(roundIndex));
    return waitFor(Wait.NEXT, Duration.ZERO, out);
  }

  private List<Action> fail(String error, boolean unreachable, long now, List<Action> out) {
    lastRemoteIndex = 0;
    writes.clear();
    writing = null;
    remote = null;
    failures++;
    Duration delay = settings.retry().delay(failures, random.nextDouble());
    if (unreachable && delay.compareTo(settings.unreachableRetryMax()) > 0) {
      delay = settings.unreachableRetryMax();
    }
    if (pathChangedDuringRound) {
      delay = Duration.ZERO;
    }
    // A run is logged at its start and then once a minute; and at once when the primary answers with an
    // error after a run it did not answer in (or the reverse): a refused token after "no path yet" is news.
    if (!runLogged || unreachable != loggedUnreachable || now - lastFailureLogAt >= FAILURE_LOG_INTERVAL.toNanos()) {
      String left = failuresNotLogged == 0 ? ""
          : " (and " + failuresNotLogged + " failed rounds since the last such line)";
      out.add(new Log(Level.WARN, "replication error (will retry if still leader): " + error + left));
      runLogged = true;
      loggedUnreachable = unreachable;
      lastFailureLogAt = now;
      failuresNotLogged = 0;
    } else {
      failuresNotLogged++;
    }
    out.add(new Failed(error));
    return waitFor(Wait.RETRY, delay, out);
  }

  /** The watchdog of the step just asked for, which must answer within {@code longest}. */
  private List<Action> await(Duration longest, List<Action> out) {
    timer = Timer.STALL;
    out.add(new StartTimer(Timer.STALL, longest.plus(settings.stepTimeout())));
    return out;
  }

  private List<Action> wedged() {
    String timeout = seconds(settings.stepTimeout());
    String reason = switch (phase) {
      case FETCHING -> "the primary has not answered a read of " + kind.what() + " " + timeout
          + " after its longest wait (" + seconds(QueryOptions.longestWait(lastRemoteIndex, settings.queryWait())) + ")";
      case READING_LOCAL -> "the local store has not answered a read of " + kind.what() + " in " + timeout;
      case APPLYING -> "the local store has not answered a write of a " + kind.one() + " in " + timeout;
      default -> throw new IllegalStateException("a step timer while " + phase);
    };
    phase = Phase.WEDGED;
    return List.of(new Wedged(reason));
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() / 1000.0 + "s";
  }

  private List<Action> waitFor(Wait why, Duration after, List<Action> out) {
    // The pause between writes belongs to the round; every other wait is between rounds.
    phase = why == Wait.WRITE ? Phase.APPLYING : Phase.WAITING;
    waiting = why;
    timer = why == Wait.WRITE ? Timer.APPLY : Timer.ROUND;
    out.add(new StartTimer(timer, after));
    return out;
  }

  private void expect(Phase expected) {
    if (phase != expected) {
      throw new IllegalStateException("replication got an answer for " + expected + " while " + phase);
    }
  }
}
