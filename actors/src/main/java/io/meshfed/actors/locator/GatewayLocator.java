package io.meshfed.actors.locator;

import io.meshfed.actors.config.ServerConfig;
import io.meshfed.actors.endpoint.ApiException;
import io.meshfed.actors.endpoint.QueryOptions;
import io.meshfed.actors.endpoint.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.names.WireConstants;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway locator (docs/architecture.md, "Federation-state flow"): runs on every server for its lifetime
 * and keeps a {@link GatewayLocatorView} up to date, which the dialer asks for the gateways of a DC.
 * <ul>
 *   <li>Learns the local and the primary's gateways from the local store's federation states with
 *       blocking reads (§7.2); nothing is known before the first successful read.</li>
 *   <li>Latches the feature barrier as soon as it sees any federation state (§6, PR #9528).</li>
 *   <li>On a secondary with {@code primary-gateways}: resolves them into the fallback list, every
 *       {@code primary-gateways-interval}, until replication delivers a primary gateway (§7.4).</li>
 *   <li>Beyond Consul: probes every known gateway with a real TLS dial through it; the view skips
 *       gateways whose last probe failed.</li>
 * </ul>
 * Everything it starts is an actor timer or a future it cancels at PostStop; a store read parked
 * at stop is answered to a dead ask (harmless) within {@link Settings#readWait()}. Stopping never
 * blocks: the probe is closed asynchronously.
 */
public final class GatewayLocator {
  public static final String NAME = "gateway-locator";
  static final Logger LOG = LoggerFactory.getLogger(GatewayLocator.class);
  private static final Duration MIN_READ_RETRY = Duration.ofSeconds(1);
  private static final Duration MAX_READ_RETRY = Duration.ofSeconds(30);
  /** How long the probe may take to release its threads after the locator stopped before that is worth a warning. */
  private static final Duration PROBE_CLOSE_BOUND = Duration.ofSeconds(5);

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

    /** The server's settings: its configured probe interval and timeout, and the default read wait. */
    public static Settings from(ServerConfig config) {
      return new Settings(config.datacenter(), config.primaryDatacenter(), config.domain(), config.primaryGateways(),
          config.primaryGatewaysInterval(), config.federationStates().gatewayProbeInterval(),
          config.federationStates().gatewayProbeTimeout(), DEFAULT_READ_WAIT);
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

  private record ReadAgain() implements Command {}

  private record ProbeAll() implements Command {}

  private record Probed(GatewayAddress gateway, CompletableFuture<Void> attempt, Throwable failure)
      implements Command {}

  private record Discover() implements Command {}

  private record Discovered(List<GatewayAddress> resolved, List<String> errors) implements Command {}

  private GatewayLocator() {}

  /** With DNS for {@code primary-gateways}. */
  public static Behavior<Command> create(Settings settings, StoreClient store, GatewayProbe probe,
      GatewayLocatorView view, Runnable onFederationStatesSeen) {
    return create(settings, store, probe, HostResolver.DNS, view, onFederationStatesSeen);
  }

  /**
   * @param probe owned by the locator from now on: closed when it stops
   * @param view where the locator publishes; built for the same DC and primary as {@code settings}
   * @param onFederationStatesSeen latches the feature barrier; called once, on the actor's thread
   */
  public static Behavior<Command> create(Settings settings, StoreClient store, GatewayProbe probe,
      HostResolver resolver, GatewayLocatorView view, Runnable onFederationStatesSeen) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Running running = new Running(ctx, timers, settings, store, probe, resolver, view, onFederationStatesSeen);
      running.read();
      timers.startTimerWithFixedDelay("probe", new ProbeAll(), settings.probeInterval());
      if (!settings.inPrimary() && !settings.primaryGateways().isEmpty()) {
        ctx.getSelf().tell(new Discover());
      }
      return running.behavior();
    }));
  }

  /** Opted-in gateways without a critical check (warning is fine), as Consul's retainGateways. */
  static List<CheckServiceNode> retain(List<CheckServiceNode> gateways) {
    return gateways.stream()
        .filter(g -> g.service() != null
            && WireConstants.META_WAN_FEDERATION_ON.equals(g.service().meta().get(WireConstants.META_WAN_FEDERATION)))
        .filter(g -> g.checks().stream().noneMatch(c -> HealthCheck.CRITICAL.equals(c.status())))
        .toList();
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Settings settings;
    private final StoreClient store;
    private final GatewayProbe probe;
    private final HostResolver resolver;
    private final GatewayLocatorView view;
    private final Runnable onFederationStatesSeen;
    private final Executor blocking;
    /** Every probe uses the primary's "any server" name; see {@link #probe(GatewayAddress)}. */
    private final String probeSni;

    private long lastIndex;
    private Duration readRetry = MIN_READ_RETRY;
    private boolean populated;
    private boolean barrierLatched;
    /** Set once replication has delivered a primary gateway: fallback discovery is over (§7.4). */
    private boolean primaryReady;
    private List<GatewayAddress> local = List.of();
    private List<GatewayAddress> primary = List.of();
    private List<GatewayAddress> fallback = List.of();
    /** Gateways (by text) whose last probe failed, with the reason. */
    private final Map<String, String> failing = new TreeMap<>();
    /** Probes in flight by gateway text; cancelled at stop so their connections close. */
    private final Map<String, CompletableFuture<Void>> probing = new HashMap<>();
    /** Gateways probed at least once: a newly learned one is probed at once, not a tick later. */
    private final Set<String> probedOnce = new HashSet<>();

    Running(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings, StoreClient store,
        GatewayProbe probe, HostResolver resolver, GatewayLocatorView view, Runnable onFederationStatesSeen) {
      this.ctx = ctx;
      this.timers = timers;
      this.settings = settings;
      this.store = store;
      this.probe = probe;
      this.resolver = resolver;
      this.view = view;
      this.onFederationStatesSeen = onFederationStatesSeen;
      this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      this.probeSni = Names.anyServerSni(settings.primaryDatacenter(), settings.domain());
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Listed.class, this::onListed)
          .onMessage(ReadAgain.class, m -> {
            read();
            return Behaviors.same();
          })
          .onMessage(ProbeAll.class, m -> {
            known().forEach(this::probe);
            return Behaviors.same();
          })
          .onMessage(Probed.class, this::onProbed)
          .onMessage(Discover.class, m -> {
            discover();
            return Behaviors.same();
          })
          .onMessage(Discovered.class, this::onDiscovered)
          .onSignal(PostStop.class, s -> {
            // Timers die with the actor; probes in flight are cancelled, which closes their connections.
            probing.values().forEach(f -> f.cancel(true));
            probing.clear();
            closeProbe();
            return Behaviors.same();
          })
          .build();
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
      closed.orTimeout(PROBE_CLOSE_BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
          .whenComplete((ok, err) -> {
            if (err != null) {
              LOG.warn("the gateway probe did not close within {} ms: {}", PROBE_CLOSE_BOUND.toMillis(), reason(err));
            }
          });
    }

    // ---- learning from the store ----

    void read() {
      long minIndex = lastIndex;
      QueryOptions q = new QueryOptions("", minIndex, settings.readWait());
      ctx.pipeToSelf(store.<DcStore.QueryResult<List<FederationState>>>askBlocking(q, reply ->
          new DcStore.ListFederationStates(minIndex, settings.readWait(), reply)), Listed::new);
    }

    private Behavior<Command> onListed(Listed m) {
      if (m.failure() != null) {
        // Consul: "not initialized" is not an error worth a warning; the store being unreachable
        // (the DC still forming, the singleton moving) is the same situation here.
        Throwable cause = unwrap(m.failure());
        if (cause instanceof ApiException api && api.code() == ApiException.Code.UNAVAILABLE) {
          LOG.debug("cannot read federation states yet, will retry: {}", api.getMessage());
        } else {
          LOG.warn("error tracking primary and local mesh gateways, will retry in {} ms: {}",
              readRetry.toMillis(), cause.getMessage());
        }
        timers.startSingleTimer("read", new ReadAgain(), readRetry);
        readRetry = min(readRetry.multipliedBy(2), MAX_READ_RETRY);
        return Behaviors.same();
      }
      readRetry = MIN_READ_RETRY;
      // An index that went backwards means the store was rebuilt: read from the start.
      lastIndex = m.result().index() < lastIndex ? 0 : m.result().index();
      update(m.result().value());
      read();
      return Behaviors.same();
    }

    private void update(List<FederationState> states) {
      if (!states.isEmpty() && !barrierLatched) {
        barrierLatched = true;
        onFederationStatesSeen.run();
      }
      List<CheckServiceNode> localEntries = List.of();
      List<CheckServiceNode> primaryEntries = List.of();
      for (FederationState state : states) {
        String dc = Names.datacenterKey(state.datacenter());
        if (dc.equals(settings.datacenter())) {
          localEntries = retain(state.meshGateways());
        }
        if (dc.equals(settings.primaryDatacenter())) {
          primaryEntries = retain(state.meshGateways());
        }
      }
      List<GatewayAddress> nextPrimary = render(primaryEntries, true);
      List<GatewayAddress> nextLocal = render(localEntries, false);
      populated = true;
      if (!nextPrimary.equals(primary) || !nextLocal.equals(local)) {
        primary = nextPrimary;
        local = nextLocal;
        LOG.info("new cached locations of mesh gateways: primary={} local={}", primary, local);
      }
      if (!primary.isEmpty() && !primaryReady) {
        primaryReady = true;
        if (timers.isTimerActive("discover")) {
          timers.cancel("discover");
        }
        if (!settings.inPrimary() && !settings.primaryGateways().isEmpty()) {
          LOG.info("replication delivered the primary's mesh gateways; stopped resolving meshfed.primary-gateways");
        }
      }
      changed();
    }

    /**
     * WAN: tagged wan service address, else service address, else the node's wan address, else the
     * node address (Consul's BestAddress(true)). LAN: tagged lan service address, else service
     * address, else node address. A tagged address's port 0 means the service port. Sorted.
     */
    private static List<GatewayAddress> render(List<CheckServiceNode> gateways, boolean wan) {
      List<GatewayAddress> out = new ArrayList<>();
      for (CheckServiceNode g : gateways) {
        NodeService s = g.service();
        String host = s.address();
        int port = s.port();
        ServiceAddress tagged = s.taggedAddresses().get(wan ? NodeService.TAG_WAN : NodeService.TAG_LAN);
        if (tagged != null && !tagged.address().isEmpty()) {
          host = tagged.address();
          port = tagged.port() != 0 ? tagged.port() : port;
        }
        if (host.isEmpty() && g.node() != null) {
          String nodeWan = wan ? g.node().taggedAddresses().getOrDefault("wan", "") : "";
          host = nodeWan.isEmpty() ? g.node().address() : nodeWan;
        }
        if (!host.isEmpty() && port > 0) {
          out.add(GatewayAddress.of(host, port));
        }
      }
      return GatewayAddress.sortedUnion(out, List.of());
    }

    // ---- fallback discovery ----

    private void discover() {
      if (primaryReady) {
        return;
      }
      List<String> configured = settings.primaryGateways();
      ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> resolveAll(configured), blocking),
          (found, err) -> err == null ? found : new Discovered(List.of(), List.of(err.toString())));
    }

    /** Resolves each HOST:PORT now (so a DNS change is seen) but keeps the name for the dial. */
    private Discovered resolveAll(List<String> configured) {
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
      return new Discovered(resolved, errors);
    }

    private Behavior<Command> onDiscovered(Discovered m) {
      if (primaryReady) {
        return Behaviors.same();
      }
      if (m.resolved().isEmpty()) {
        LOG.warn("Refreshing mesh gateways failed, will retry in {}: No mesh gateways found ({})",
            settings.primaryGatewaysInterval(), String.join("; ", m.errors()));
      } else {
        // A failed attempt keeps the previous list: a DNS blip must not take the fallback away.
        List<GatewayAddress> next = GatewayAddress.sortedUnion(m.resolved(), List.of());
        if (!next.equals(fallback)) {
          fallback = next;
          LOG.info("updated fallback list of primary mesh gateways: {}", fallback);
          changed();
        }
      }
      // Beyond Consul (which stops after the first non-empty attempt): keep re-resolving until
      // replication has delivered the primary's gateways, so the list follows DNS meanwhile.
      timers.startSingleTimer("discover", new Discover(), settings.primaryGatewaysInterval());
      return Behaviors.same();
    }

    // ---- probes (beyond Consul) ----

    /** Every gateway the view may hand out, by text. */
    private Map<String, GatewayAddress> known() {
      Map<String, GatewayAddress> all = new LinkedHashMap<>();
      for (List<GatewayAddress> list : List.of(local, primary, fallback)) {
        list.forEach(g -> all.putIfAbsent(g.text(), g));
      }
      return all;
    }

    /**
     * SNI choice: always {@code server.<primary>.<domain>}. For the primary's gateways and the
     * fallback it is exactly the dial they are used for. For local gateways it is the dial a
     * secondary needs most (the primary, through two gateways); in the primary it reaches a local
     * server through the local gateway. A local gateway is also used for other secondaries, which
     * this does not probe; if the primary is unreachable every local gateway fails, and then the
     * "all failed: use all" rule keeps them in use, so the choice never removes a working route.
     */
    private void probe(String text, GatewayAddress gateway) {
      if (probing.containsKey(text)) {
        return;
      }
      CompletableFuture<Void> attempt;
      try {
        attempt = probe.probe(gateway.address(), probeSni).toCompletableFuture();
      } catch (RuntimeException e) {
        attempt = CompletableFuture.failedFuture(e);
      }
      probing.put(text, attempt);
      probedOnce.add(text);
      CompletableFuture<Void> mine = attempt;
      ctx.pipeToSelf(attempt.copy().orTimeout(settings.probeTimeout().toMillis() * 2,
              java.util.concurrent.TimeUnit.MILLISECONDS),
          (ok, err) -> new Probed(gateway, mine, err));
    }

    private Behavior<Command> onProbed(Probed m) {
      String text = m.gateway().text();
      if (probing.get(text) != m.attempt()) {
        return Behaviors.same();
      }
      probing.remove(text);
      m.attempt().cancel(true);
      if (!known().containsKey(text)) {
        failing.remove(text);
        return Behaviors.same();
      }
      if (m.failure() != null) {
        String reason = reason(m.failure());
        if (failing.put(text, reason) == null) {
          LOG.warn("mesh gateway {} failed its probe ({}): {}; skipping it until a probe succeeds", text,
              probeSni, reason);
          changed();
        }
      } else if (failing.remove(text) != null) {
        LOG.info("mesh gateway {} passes its probe again ({}); using it again", text, probeSni);
        changed();
      }
      return Behaviors.same();
    }

    private static String reason(Throwable failure) {
      Throwable cause = unwrap(failure);
      return Objects.toString(cause.getMessage(), cause.getClass().getSimpleName());
    }

    /** Publishes the current state; forgets probe results of gateways no longer known; probes new ones. */
    private void changed() {
      Map<String, GatewayAddress> all = known();
      failing.keySet().retainAll(all.keySet());
      probedOnce.retainAll(all.keySet());
      Set<String> stale = new HashSet<>(probing.keySet());
      stale.removeAll(all.keySet());
      stale.forEach(text -> probing.remove(text).cancel(true));
      view.publish(new GatewayLocatorView.Learned(populated, local, primary, fallback, Set.copyOf(failing.keySet())));
      all.forEach((text, gateway) -> {
        if (!probedOnce.contains(text)) {
          probe(text, gateway);
        }
      });
    }
  }

  /** The failure itself, not the CompletionException a dependent stage wraps it in. */
  private static Throwable unwrap(Throwable failure) {
    return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
