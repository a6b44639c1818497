package io.meshfed.actors.federation;

import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.slf4j.event.Level;

/**
 * What federation-state anti-entropy decides, as a deterministic state machine: no Pekko, thread, clock or
 * hidden randomness. Every input carries {@code now}, nanoseconds of a monotonic clock; every effect is a
 * returned {@link Action} that the owner ({@link FederationStateAntiEntropy}, or a simulation) carries out,
 * feeding the outcome back. Retry jitter comes from the settings' generator. Not thread-safe.
 *
 * <ul>
 *   <li>Feature barrier: on start, a closed barrier makes it look for stored federation states (which
 *       latch it); while it stays closed it is checked again every {@code barrierRetry}, and nothing is
 *       read or pushed.</li>
 *   <li>Two blocking reads are kept parked, one per table (this DC's record, the catalog's mesh gateways);
 *       only the one that answered is issued again. A failed read is retried after the backoff of its own
 *       consecutive failures.</li>
 *   <li>After either answers, the two are compared ({@link #sameGateways}); a difference is pushed. Pushes
 *       take a token of a bucket ({@code pushesPerSecond}, {@code burst}): without one, a timer waits for
 *       it, and every change meanwhile only restarts that timer, so a burst of changes ends in one push of
 *       the latest (the debounce). A change while a push is in flight is compared again when it ends.</li>
 *   <li>A failed push is retried after the backoff of consecutive push failures; changes during that wait
 *       do not push (the retry compares with the latest). A success resets the count.</li>
 * </ul>
 */
final class AntiEntropyCore {
  /** The longest wait after a push that found no answer from the primary. */
  static final Duration UNREACHABLE_RETRY_MAX = Duration.ofSeconds(1);
  static final String SYNC_ERROR = "error performing anti-entropy sync of federation state";

  /** The routine's timers; several may be pending at once. */
  enum Timer { BARRIER, WATCH_OWN, WATCH_GATEWAYS, SYNC }

  sealed interface Action {}

  /** Read whether the local store holds any federation state (not blocking); answer with {@link #storedStates}. */
  record ReadStoredStates() implements Action {}

  /** Latch the feature barrier open. */
  record LatchBarrier() implements Action {}

  /** Blocking read of this DC's record in the local store; answer with {@link #ownRead} or {@link #ownReadFailed}. */
  record WatchOwn(long minIndex, Duration maxWait) implements Action {}

  /** Blocking read of the catalog's mesh gateways; answer with {@link #gatewaysRead} or {@link #gatewaysReadFailed}. */
  record WatchGateways(long minIndex, Duration maxWait) implements Action {}

  /**
   * Publish this DC's record (the owner stamps {@code updatedAt}): in the primary, to its own store; in a
   * secondary, in the primary. Answer with {@link #pushed} or {@link #pushFailed}.
   */
  record Push(FederationState state) implements Action {}

  /** Start (or restart) a timer; when it fires, call {@link #timer}. */
  record StartTimer(Timer timer, Duration after) implements Action {}

  record CancelTimer(Timer timer) implements Action {}

  record Log(Level level, String message) implements Action {}

  private final String datacenter;
  private final FederationStateAntiEntropy.Settings settings;
  private final RandomGenerator random;
  private final TokenBucket limiter;
  private final Set<Timer> pending = EnumSet.noneOf(Timer.class);
  private boolean started;
  private boolean watching;
  private long ownIndex;
  private long gatewaysIndex;
  /** This DC's record as the local store has it (the replicated copy in a secondary); null if none. */
  private FederationState stored;
  private boolean storedKnown;
  private List<CheckServiceNode> gateways;
  private boolean pushing;
  /** Something changed while a push was in flight: compare again when it ends. */
  private boolean dirty;
  private int ownFailures;
  private int gatewayFailures;
  private int pushFailures;

  AntiEntropyCore(String datacenter, FederationStateAntiEntropy.Settings settings, long now) {
    this.datacenter = Objects.requireNonNull(datacenter, "datacenter");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.random = settings.random();
    this.limiter = new TokenBucket(settings.pushesPerSecond(), settings.burst(), now);
  }

  /** {@code barrierPassed}: the feature barrier now. */
  List<Action> start(long now, boolean barrierPassed) {
    if (started) {
      throw new IllegalStateException("anti-entropy already started");
    }
    started = true;
    return barrierPassed ? startWatching(new ArrayList<>()) : List.of(new ReadStoredStates());
  }

  /**
   * The look for stored federation states answered. Any latches the barrier (PR #9519): the feature was on
   * before, so a restarted server need not wait for the WAN tags again.
   */
  List<Action> storedStates(boolean any, long now, boolean barrierPassed) {
    List<Action> out = new ArrayList<>();
    if (any) {
      out.add(new LatchBarrier());
      return startWatching(out);
    }
    return checkBarrier(barrierPassed, out);
  }

  List<Action> storedStatesFailed(String error, long now, boolean barrierPassed) {
    List<Action> out = new ArrayList<>();
    out.add(new Log(Level.WARN, "Failed to check for existing federation states and activate the feature flag "
        + "quicker; skipping this optimization: " + error));
    return checkBarrier(barrierPassed, out);
  }

  /** A timer fired; one no longer pending (cancelled or restarted meanwhile) is ignored. */
  List<Action> timer(Timer fired, long now, boolean barrierPassed) {
    if (!pending.remove(fired)) {
      return List.of();
    }
    return switch (fired) {
      case BARRIER -> checkBarrier(barrierPassed, new ArrayList<>());
      case WATCH_OWN -> List.of(watchOwn());
      case WATCH_GATEWAYS -> List.of(watchGateways());
      case SYNC -> sync(now, new ArrayList<>());
    };
  }

  List<Action> ownRead(FederationState value, long index, long now) {
    ownFailures = 0;
    ownIndex = index;
    stored = value;
    storedKnown = true;
    List<Action> out = new ArrayList<>();
    out.add(watchOwn());
    return sync(now, out);
  }

  List<Action> ownReadFailed(String error, long now) {
    ownFailures++;
    List<Action> out = new ArrayList<>();
    out.add(new Log(Level.ERROR, SYNC_ERROR + ": cannot read this DC's federation state: " + error));
    return startTimer(Timer.WATCH_OWN, settings.retry().delay(ownFailures, random.nextDouble()), out);
  }

  List<Action> gatewaysRead(List<CheckServiceNode> value, long index, long now) {
    gatewayFailures = 0;
    gatewaysIndex = index;
    gateways = List.copyOf(value);
    List<Action> out = new ArrayList<>();
    out.add(watchGateways());
    return sync(now, out);
  }

  List<Action> gatewaysReadFailed(String error, long now) {
    gatewayFailures++;
    List<Action> out = new ArrayList<>();
    out.add(new Log(Level.ERROR, SYNC_ERROR + ": cannot read the catalog's mesh gateways: " + error));
    return startTimer(Timer.WATCH_GATEWAYS, settings.retry().delay(gatewayFailures, random.nextDouble()), out);
  }

  List<Action> pushed(long now) {
    pushing = false;
    pushFailures = 0;
    List<Action> out = new ArrayList<>();
    out.add(new Log(Level.INFO, "federation state anti-entropy synced"));
    if (dirty) {
      dirty = false;
      return sync(now, out);
    }
    return out;
  }

  /**
   * The push failed. One that found no answer from the primary ({@code unreachable}: no path yet, a
   * gateway that cannot route, a lost connection) is retried within {@link #UNREACHABLE_RETRY_MAX}:
   * it cost the primary nothing, and a replaced gateway's path appears at any moment, so backing off
   * to minutes would leave the primary with this DC's stale gateways. Other failures back off.
   */
  List<Action> pushFailed(String error, boolean unreachable, long now) {
    pushing = false;
    pushFailures++;
    dirty = false;
    List<Action> out = new ArrayList<>();
    out.add(new Log(Level.ERROR, SYNC_ERROR + ": " + error));
    Duration delay = settings.retry().delay(pushFailures, random.nextDouble());
    if (unreachable && delay.compareTo(UNREACHABLE_RETRY_MAX) > 0) {
      delay = UNREACHABLE_RETRY_MAX;
    }
    return startTimer(Timer.SYNC, delay, out);
  }

  private List<Action> checkBarrier(boolean barrierPassed, List<Action> out) {
    return barrierPassed ? startWatching(out) : startTimer(Timer.BARRIER, settings.barrierRetry(), out);
  }

  private List<Action> startWatching(List<Action> out) {
    if (!watching) {
      watching = true;
      out.add(watchOwn());
      out.add(watchGateways());
    }
    return out;
  }

  private Action watchOwn() {
    return new WatchOwn(ownIndex, settings.queryWait());
  }

  private Action watchGateways() {
    return new WatchGateways(gatewaysIndex, settings.queryWait());
  }

  private List<Action> sync(long now, List<Action> out) {
    if (!storedKnown || gateways == null) {
      return out;
    }
    if (pushing) {
      dirty = true;
      return out;
    }
    if (pushFailures > 0 && pending.contains(Timer.SYNC)) {
      // Backing off after a failed push: the retry timer compares again with the latest data.
      return out;
    }
    FederationState current = new FederationState(datacenter, gateways, null, 0, 0, 0);
    if (stored != null && sameGateways(stored, current)) {
      out.add(new Log(Level.TRACE, "federation state anti-entropy sync skipped; already up to date"));
      if (pending.remove(Timer.SYNC)) {
        out.add(new CancelTimer(Timer.SYNC));
      }
      return out;
    }
    Duration wait = limiter.tryTake(now);
    if (!wait.isZero()) {
      return startTimer(Timer.SYNC, wait, out);
    }
    pushing = true;
    out.add(new Push(current));
    return out;
  }

  private List<Action> startTimer(Timer timer, Duration after, List<Action> out) {
    pending.add(timer);
    out.add(new StartTimer(timer, after));
    return out;
  }

  private static final Comparator<CheckServiceNode> ENTRY_ORDER = Comparator
      .comparing((CheckServiceNode e) -> e.node() == null ? "" : e.node().node())
      .thenComparing(e -> e.service() == null ? "" : e.service().id());

  /**
   * Consul's {@code FederationState.IsSame} without its dependence on order: same DC and the same
   * gateway entries (node, service, checks incl. status and output) in any order. Indexes and
   * {@code updatedAt} are not compared.
   */
  static boolean sameGateways(FederationState a, FederationState b) {
    return a.datacenter().equals(b.datacenter())
        && normalized(a.meshGateways()).equals(normalized(b.meshGateways()));
  }

  private static List<CheckServiceNode> normalized(List<CheckServiceNode> entries) {
    List<CheckServiceNode> out = new ArrayList<>(entries.size());
    for (CheckServiceNode e : entries) {
      List<HealthCheck> checks = new ArrayList<>(e.checks());
      checks.sort(Comparator.comparing(HealthCheck::checkId).thenComparing(HealthCheck::node));
      out.add(new CheckServiceNode(e.node(), e.service(), checks));
    }
    out.sort(ENTRY_ORDER);
    return out;
  }
}
