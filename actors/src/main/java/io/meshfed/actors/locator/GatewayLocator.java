package io.meshfed.actors.locator;

import io.meshfed.protocol.errors.Failures;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.names.Names;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway locator (docs/architecture.md, "Federation-state flow"): runs on every server for its
 * lifetime and keeps a {@link GatewayLocatorView} up to date, which the dialer asks for the gateways
 * of a DC. What it learns and decides, and when, is {@link GatewayTracker}'s; this actor does the
 * I/O the tracker asks for (blocking reads of the local store, DNS lookups of {@code
 * primary-gateways} on the blocking dispatcher, gateway probes), feeds the answers back with the
 * time of the clock it is given, and wakes the tracker with one actor timer at its next deadline.
 *
 * <p>Stopping never blocks: probes in flight are cancelled (which closes their connections), the
 * probe is closed asynchronously, and a store read parked at stop is answered to a dead ask
 * (harmless) within {@link Settings#readWait()}.
 */
public final class GatewayLocator {
  public static final String NAME = "gateway-locator";
  static final Logger LOG = LoggerFactory.getLogger(GatewayLocator.class);
  /** How long the probe may take to release its threads after the locator stopped before that is worth a warning. */
  private static final Duration PROBE_CLOSE_BOUND = Duration.ofSeconds(5);
  private static final String TICK = "tick";

  /**
   * @param probeInterval how often every known gateway is probed
   * @param probeTimeout how long one probe may take before it counts as failed
   * @param readWait how long one blocking read of the federation states may park in the store
   */
  public record Settings(String datacenter, String primaryDatacenter, String domain, List<String> primaryGateways,
                         Duration primaryGatewaysInterval, Duration probeInterval, Duration probeTimeout,
                         Duration readWait) {
    public static final Duration DEFAULT_READ_WAIT = Duration.ofSeconds(30);

    public Settings {
      datacenter = Names.datacenterKey(datacenter);
      primaryDatacenter = Names.datacenterKey(primaryDatacenter);
      primaryGateways = List.copyOf(primaryGateways);
    }

    boolean inPrimary() {
      return datacenter.equals(primaryDatacenter);
    }
  }

  /** How {@code primary-gateways} hostnames are resolved; DNS in production. */
  @FunctionalInterface
  public interface HostResolver {
    HostResolver DNS = InetAddress::getAllByName;

    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  public sealed interface Command {}

  private record Listed(DcStore.QueryResult<List<FederationState>> result, Throwable failure) implements Command {}

  private record Probed(long attempt, Throwable failure) implements Command {}

  private record Resolved(List<GatewayAddress> found, List<String> errors) implements Command {}

  private record Tick() implements Command {}

  private GatewayLocator() {}

  /** With DNS for {@code primary-gateways}. */
  public static Behavior<Command> create(Settings settings, StoreClient store, GatewayProbe probe,
      GatewayLocatorView view, Runnable onFederationStatesSeen) {
    return create(settings, store, probe, HostResolver.DNS, view, onFederationStatesSeen);
  }

  /**
   * On a monotonic clock: every deadline of the tracker is a duration from an input, and a wall
   * clock stepped back (NTP at boot, a resumed VM) would hold reads, probes and re-resolutions back
   * by the size of the step.
   */
  public static Behavior<Command> create(Settings settings, StoreClient store, GatewayProbe probe,
      HostResolver resolver, GatewayLocatorView view, Runnable onFederationStatesSeen) {
    return create(settings, store, probe, resolver, view, onFederationStatesSeen, new MonotonicClock());
  }

  /**
   * @param probe owned by the locator from now on: closed when it stops
   * @param view where the locator publishes; built for the same DC and primary as {@code settings}
   * @param onFederationStatesSeen latches the feature barrier; called once, on the actor's thread
   * @param clock the time the tracker's deadlines are measured on
   */
  public static Behavior<Command> create(Settings settings, StoreClient store, GatewayProbe probe,
      HostResolver resolver, GatewayLocatorView view, Runnable onFederationStatesSeen, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Running running = new Running(ctx, timers, settings, store, probe, resolver, view, onFederationStatesSeen,
          clock);
      running.run(running.tracker.start(clock.instant()));
      return running.behavior();
    }));
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final StoreClient store;
    private final GatewayProbe probe;
    private final HostResolver resolver;
    private final GatewayLocatorView view;
    private final Runnable onFederationStatesSeen;
    private final Clock clock;
    private final Executor blocking;
    private final GatewayTracker tracker;
    /** Probes in flight by attempt; cancelled when the tracker abandons them, which closes their connections. */
    private final Map<Long, CompletableFuture<Void>> probing = new HashMap<>();

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings, StoreClient store,
        GatewayProbe probe, HostResolver resolver, GatewayLocatorView view, Runnable onFederationStatesSeen,
        Clock clock) {
      this.ctx = ctx;
      this.timers = timers;
      this.store = store;
      this.probe = probe;
      this.resolver = resolver;
      this.view = view;
      this.onFederationStatesSeen = onFederationStatesSeen;
      this.clock = clock;
      this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      this.tracker = new GatewayTracker(settings);
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Listed.class, this::onListed)
          .onMessage(Probed.class, m -> {
            probing.remove(m.attempt());
            run(tracker.probed(m.attempt(), m.failure() == null ? null : reason(m.failure()), clock.instant()));
            // A gateway that keeps failing changes no decision, but its latest reason is what an operator needs.
            view.probeFailures(tracker.failing());
            return Behaviors.same();
          })
          .onMessage(Resolved.class, m -> {
            run(tracker.resolved(m.found(), m.errors(), clock.instant()));
            return Behaviors.same();
          })
          .onMessage(Tick.class, m -> {
            run(tracker.tick(clock.instant()));
            return Behaviors.same();
          })
          .onSignal(PreRestart.class, s -> {
            // A restarted locator starts over with a new tracker; the probe itself stays open for it.
            run(tracker.stop());
            return Behaviors.same();
          })
          .onSignal(PostStop.class, s -> {
            // Timers die with the actor; probes in flight are cancelled, which closes their connections.
            run(tracker.stop());
            closeProbe();
            return Behaviors.same();
          })
          .build();
    }

    private Behavior<Command> onListed(Listed m) {
      Instant now = clock.instant();
      if (m.failure() == null) {
        run(tracker.listed(m.result().index(), m.result().value(), now));
      } else {
        Throwable cause = Failures.unwrap(m.failure());
        boolean unavailable = cause instanceof ApiException api && api.code() == ApiException.Code.UNAVAILABLE;
        run(tracker.readFailed(reason(cause), unavailable, now));
      }
      return Behaviors.same();
    }

    void run(List<GatewayTracker.Action> actions) {
      for (GatewayTracker.Action action : actions) {
        if (action instanceof GatewayTracker.Read read) {
          read(read.minIndex(), read.readWait());
        } else if (action instanceof GatewayTracker.Resolve resolve) {
          List<String> hostPorts = resolve.hostPorts();
          ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> resolveAll(hostPorts), blocking),
              (found, err) -> err == null ? found : new Resolved(List.of(), List.of(err.toString())));
        } else if (action instanceof GatewayTracker.Probe p) {
          probe(p);
        } else if (action instanceof GatewayTracker.CancelProbe c) {
          CompletableFuture<Void> attempt = probing.remove(c.attempt());
          if (attempt != null) {
            attempt.cancel(true);
          }
        } else if (action instanceof GatewayTracker.Publish p) {
          view.probeFailures(tracker.failing());
          view.publish(p.learned());
        } else if (action instanceof GatewayTracker.FederationStatesSeen) {
          onFederationStatesSeen.run();
        } else if (action instanceof GatewayTracker.Log l) {
          log(l);
        }
      }
      scheduleTick();
    }

    /** One timer at the tracker's next deadline, replacing the previous one. */
    private void scheduleTick() {
      Optional<Instant> next = tracker.nextDeadline();
      if (next.isEmpty()) {
        timers.cancel(TICK);
        return;
      }
      Duration after = Duration.between(clock.instant(), next.get());
      timers.startSingleTimer(TICK, new Tick(), after.isNegative() ? Duration.ZERO : after);
    }

    private void read(long minIndex, Duration wait) {
      QueryOptions q = new QueryOptions("", minIndex, wait);
      ctx.pipeToSelf(store.<DcStore.QueryResult<List<FederationState>>>askBlocking(q, reply ->
          new DcStore.ListFederationStates(minIndex, wait, reply)), Listed::new);
    }

    /** Resolves each HOST:PORT now (so a DNS change is seen) but keeps the name for the dial. */
    private Resolved resolveAll(List<String> configured) {
      List<GatewayAddress> resolved = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (String hostPort : configured) {
        GatewayAddress gw = GatewayAddress.parse(hostPort);
        try {
          if (resolver.resolve(gw.address().getHostString()).length > 0) {
            resolved.add(gw);
          }
        } catch (UnknownHostException | RuntimeException e) {
          errors.add(hostPort + ": " + e.getMessage());
        }
      }
      return new Resolved(resolved, errors);
    }

    private void probe(GatewayTracker.Probe p) {
      CompletableFuture<Void> attempt;
      try {
        attempt = probe.probe(p.gateway().address(), p.sni()).toCompletableFuture();
      } catch (RuntimeException e) {
        attempt = CompletableFuture.failedFuture(e);
      }
      probing.put(p.attempt(), attempt);
      long id = p.attempt();
      ctx.pipeToSelf(attempt, (ok, err) -> new Probed(id, err));
    }

    /**
     * Starts closing the probe and returns at once: its threads wind down on their own, bounded by
     * the probe's own shutdown timeout; only if that does not happen within a bound is it logged.
     */
    private void closeProbe() {
      CompletableFuture<Void> closed;
      try {
        closed = probe.close().toCompletableFuture().copy();
      } catch (RuntimeException e) {
        closed = CompletableFuture.failedFuture(e);
      }
      closed.orTimeout(PROBE_CLOSE_BOUND.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, err) -> {
        if (err != null) {
          LOG.warn("the gateway probe did not close within {} ms: {}", PROBE_CLOSE_BOUND.toMillis(),
              reason(err));
        }
      });
    }

    private static void log(GatewayTracker.Log l) {
      switch (l.level()) {
        case DEBUG -> LOG.debug(l.message());
        case INFO -> LOG.info(l.message());
        case WARN -> LOG.warn(l.message());
      }
    }
  }

  /** {@link System#nanoTime} as a clock, starting at the wall time of its creation. */
  private static final class MonotonicClock extends Clock {
    private final Instant origin;
    private final long originNanos;
    private final ZoneId zone;

    MonotonicClock() {
      this(Instant.now(), System.nanoTime(), ZoneOffset.UTC);
    }

    private MonotonicClock(Instant origin, long originNanos, ZoneId zone) {
      this.origin = origin;
      this.originNanos = originNanos;
      this.zone = zone;
    }

    @Override
    public Instant instant() {
      return origin.plusNanos(System.nanoTime() - originNanos);
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return new MonotonicClock(origin, originNanos, zone);
    }
  }

  private static String reason(Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    return Objects.toString(cause.getMessage(), cause.getClass().getSimpleName());
  }
}
