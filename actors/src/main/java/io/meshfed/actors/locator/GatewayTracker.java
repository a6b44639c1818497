package io.meshfed.actors.locator;

import io.meshfed.actors.time.Backoff;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.names.WireConstants;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The gateway locator's decisions, as a deterministic state machine: what it has learned of the
 * local and the primary's gateways, when it reads the store again, when it re-resolves {@code
 * primary-gateways}, which gateway it probes when, and which of them failed. It reads no clock and
 * owns no thread, timer or socket: every input carries the current time, every effect is a
 * returned {@link Action}, and {@link #nextDeadline} says when {@link #tick} has work to do, so a
 * test or a simulation drives it on virtual time. {@link GatewayLocator} drives it in production.
 * Not thread-safe: one caller at a time.
 *
 * <ul>
 *   <li>Learns the local and the primary's gateways from federation states ({@link #listed}), read
 *       from the local store with blocking reads ({@link Read}), one at a time; nothing is known
 *       before the first successful read. A failed read is retried after a backoff.</li>
 *   <li>Reports the first federation state it sees ({@link FederationStatesSeen}): the feature
 *       barrier latches on it.</li>
 *   <li>On a secondary with {@code primary-gateways}: resolves them into the fallback list at start
 *       and then every {@code primary-gateways-interval} after each attempt, until replication has
 *       delivered a primary gateway. A failed attempt keeps the previous list.</li>
 *   <li>Beyond Consul: probes every known gateway, each newly learned one at once and all of them
 *       every probe interval; a probe without an answer within the probe timeout has failed. The
 *       view skips gateways whose last probe failed. While every known gateway fails, the rounds
 *       come every {@link #NONE_PASSING_PROBE_INTERVAL} (if the probe interval is longer): that is
 *       a DC started before the primary's gateway, or cut off from it, and its replication and WAN
 *       join wait for the first probe that passes.</li>
 * </ul>
 */
public final class GatewayTracker {
  /** Retrying a failed read of the store; no jitter: the store is this server's own DC's. */
  static final Backoff READ_RETRY = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.0);

  /**
   * The probe rounds' pace while no known gateway passes. A round costs a connection attempt per
   * gateway (a refused connect while a gateway is down), and the shipped probe interval is 10 s:
   * without this, a secondary whose primary's gateway came up just after a round waited up to 10 s
   * more to replicate.
   */
  static final Duration NONE_PASSING_PROBE_INTERVAL = Duration.ofSeconds(1);

  public sealed interface Action {}

  /** Read the federation states with a blocking read from {@code minIndex}; answer {@link #listed} or {@link #readFailed}. */
  public record Read(long minIndex, Duration readWait) implements Action {}

  /** Resolve these {@code HOST:PORT} entries; answer {@link #resolved}. */
  public record Resolve(List<String> hostPorts) implements Action {}

  /** Probe {@code gateway} for the server name {@code sni}; answer {@link #probed} with {@code attempt}. */
  public record Probe(long attempt, GatewayAddress gateway, String sni) implements Action {}

  /** Abandon the probe {@code attempt} (its answer, if it comes, is ignored) and release its connection. */
  public record CancelProbe(long attempt) implements Action {}

  /** Hand this to the view: what the dialers use from now on. */
  public record Publish(GatewayLocatorView.Learned learned) implements Action {}

  /** The first federation state was seen (the feature barrier latches on it); reported once. */
  public record FederationStatesSeen() implements Action {}

  public enum Level { DEBUG, INFO, WARN }

  /** A line for the locator's log. */
  public record Log(Level level, String message) implements Action {}

  private record InFlight(String text, Instant deadline) {}

  private final GatewayLocator.Settings settings;
  /** Every probe uses the primary's "any server" name; see {@link #probe}. */
  private final String probeSni;
  private final boolean discovering;

  private boolean started;
  private boolean stopped;
  private long lastIndex;
  private int readFailures;
  private Instant readAgainAt;
  private boolean populated;
  private boolean barrierLatched;
  /** Set once replication has delivered a primary gateway: fallback discovery is over. */
  private boolean primaryReady;
  private Instant rediscoverAt;
  private Instant nextProbeRoundAt;
  private List<GatewayAddress> local = List.of();
  private List<GatewayAddress> primary = List.of();
  private List<GatewayAddress> fallback = List.of();
  /** Gateways (by text) whose last probe failed, with the reason. */
  private final Map<String, String> failing = new TreeMap<>();
  /** Probes in flight by attempt. */
  private final Map<Long, InFlight> probing = new LinkedHashMap<>();
  /** Gateways probed at least once: a newly learned one is probed at once, not a round later. */
  private final Set<String> probedOnce = new HashSet<>();
  private long lastAttempt;

  public GatewayTracker(GatewayLocator.Settings settings) {
    this.settings = settings;
    this.probeSni = Names.anyServerSni(settings.primaryDatacenter(), settings.domain());
    this.discovering = !settings.inPrimary() && !settings.primaryGateways().isEmpty();
  }

  /** The first read, the first resolution of {@code primary-gateways}, and the first probe round's time. */
  public List<Action> start(Instant now) {
    if (started) {
      return List.of();
    }
    started = true;
    List<Action> out = new ArrayList<>();
    out.add(new Read(lastIndex, settings.readWait()));
    nextProbeRoundAt = now.plus(settings.probeInterval());
    if (discovering) {
      out.add(new Resolve(settings.primaryGateways()));
    }
    return out;
  }

  /** Abandons every probe in flight; nothing is due any more, and later inputs change nothing. */
  public List<Action> stop() {
    stopped = true;
    List<Action> out = new ArrayList<>();
    probing.keySet().forEach(attempt -> out.add(new CancelProbe(attempt)));
    probing.clear();
    readAgainAt = null;
    rediscoverAt = null;
    nextProbeRoundAt = null;
    return out;
  }

  /** When {@link #tick} has something to do next; empty when nothing is due (before start, after stop). */
  public Optional<Instant> nextDeadline() {
    Instant next = null;
    for (Instant at : new Instant[] {readAgainAt, rediscoverAt, nextProbeRoundAt}) {
      next = earlier(next, at);
    }
    for (InFlight p : probing.values()) {
      next = earlier(next, p.deadline());
    }
    return Optional.ofNullable(next);
  }

  private static Instant earlier(Instant a, Instant b) {
    return a == null || (b != null && b.isBefore(a)) ? b : a;
  }

  /** Does whatever is due at {@code now}: probe timeouts, a read retry, a re-resolution, a probe round. */
  public List<Action> tick(Instant now) {
    List<Action> out = new ArrayList<>();
    if (stopped) {
      return out;
    }
    boolean change = false;
    for (Iterator<Map.Entry<Long, InFlight>> it = probing.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, InFlight> e = it.next();
      if (!now.isBefore(e.getValue().deadline())) {
        it.remove();
        out.add(new CancelProbe(e.getKey()));
        change |= probeFailed(e.getValue().text(),
            "no answer within " + settings.probeTimeout().toMillis() + " ms", out);
      }
    }
    if (change) {
      changed(now, out);
    }
    if (readAgainAt != null && !now.isBefore(readAgainAt)) {
      readAgainAt = null;
      out.add(new Read(lastIndex, settings.readWait()));
    }
    if (rediscoverAt != null && !now.isBefore(rediscoverAt)) {
      rediscoverAt = null;
      out.add(new Resolve(settings.primaryGateways()));
    }
    if (nextProbeRoundAt != null && !now.isBefore(nextProbeRoundAt)) {
      // Fixed delay: a tick that comes late does not bunch rounds up.
      nextProbeRoundAt = now.plus(probeInterval());
      known().forEach((text, gateway) -> probe(text, gateway, now, out));
    }
    return out;
  }

  // ---- learning from the store ----

  /** A read answered at {@code index} with these federation states; the next read follows at once. */
  public List<Action> listed(long index, List<FederationState> states, Instant now) {
    List<Action> out = new ArrayList<>();
    if (stopped) {
      return out;
    }
    readFailures = 0;
    // An index that went backwards means the store was rebuilt: read from the start.
    lastIndex = index < lastIndex ? 0 : index;
    update(states, now, out);
    out.add(new Read(lastIndex, settings.readWait()));
    return out;
  }

  /**
   * A read failed with {@code reason}; it is tried again after a backoff.
   *
   * @param storeUnavailable the store cannot be reached yet (the DC still forming, its singleton
   *     moving): expected, so not worth a warning (Consul treats "not initialized" the same way)
   */
  public List<Action> readFailed(String reason, boolean storeUnavailable, Instant now) {
    if (stopped) {
      return List.of();
    }
    readFailures++;
    Duration delay = READ_RETRY.delay(readFailures, 0.0);
    readAgainAt = now.plus(delay);
    return List.of(storeUnavailable
        ? new Log(Level.DEBUG, "cannot read federation states yet, will retry: " + reason)
        : new Log(Level.WARN, "error tracking primary and local mesh gateways, will retry in "
            + delay.toMillis() + " ms: " + reason));
  }

  private void update(List<FederationState> states, Instant now, List<Action> out) {
    if (!states.isEmpty() && !barrierLatched) {
      barrierLatched = true;
      out.add(new FederationStatesSeen());
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
      out.add(new Log(Level.INFO, "new cached locations of mesh gateways: primary=" + primary + " local=" + local));
    }
    if (!primary.isEmpty() && !primaryReady) {
      primaryReady = true;
      rediscoverAt = null;
      if (discovering) {
        out.add(new Log(Level.INFO,
            "replication delivered the primary's mesh gateways; stopped resolving meshfed.primary-gateways"));
      }
    }
    changed(now, out);
  }

  /** Opted-in gateways without a critical check (warning is fine), as Consul's retainGateways. */
  public static List<CheckServiceNode> retain(List<CheckServiceNode> gateways) {
    return gateways.stream()
        .filter(g -> g.service() != null
            && WireConstants.META_WAN_FEDERATION_ON.equals(g.service().meta().get(WireConstants.META_WAN_FEDERATION)))
        .filter(g -> g.checks().stream().noneMatch(c -> HealthCheck.CRITICAL.equals(c.status())))
        .toList();
  }

  /**
   * WAN: tagged wan service address, else service address, else the node's wan address, else the
   * node address (Consul's BestAddress(true)). LAN: tagged lan service address, else service
   * address, else node address. A tagged address's port 0 means the service port. Sorted.
   */
  public static List<GatewayAddress> render(List<CheckServiceNode> gateways, boolean wan) {
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

  /**
   * The answer to {@link Resolve}: the entries whose host resolved (kept as configured, so the
   * dial resolves them again), and an error for each that did not.
   */
  public List<Action> resolved(List<GatewayAddress> found, List<String> errors, Instant now) {
    List<Action> out = new ArrayList<>();
    if (stopped || primaryReady) {
      return out;
    }
    if (found.isEmpty()) {
      out.add(new Log(Level.WARN, "Refreshing mesh gateways failed, will retry in "
          + settings.primaryGatewaysInterval() + ": No mesh gateways found (" + String.join("; ", errors) + ")"));
    } else {
      // A failed attempt keeps the previous list: a DNS blip must not take the fallback away.
      List<GatewayAddress> next = GatewayAddress.sortedUnion(found, List.of());
      if (!next.equals(fallback)) {
        fallback = next;
        out.add(new Log(Level.INFO, "updated fallback list of primary mesh gateways: " + fallback));
        changed(now, out);
      }
    }
    // Beyond Consul (which stops after the first non-empty attempt): keep re-resolving until
    // replication has delivered the primary's gateways, so the list follows DNS meanwhile.
    rediscoverAt = now.plus(settings.primaryGatewaysInterval());
    return out;
  }

  // ---- probes (beyond Consul) ----

  /** The answer to {@link Probe} {@code attempt}: passed when {@code failure} is null. */
  public List<Action> probed(long attempt, String failure, Instant now) {
    List<Action> out = new ArrayList<>();
    InFlight p = stopped ? null : probing.remove(attempt);
    if (p == null) {
      return out;
    }
    String text = p.text();
    if (!known().containsKey(text)) {
      failing.remove(text);
      return out;
    }
    boolean change;
    if (failure != null) {
      change = probeFailed(text, failure, out);
    } else {
      change = failing.remove(text) != null;
      if (change) {
        out.add(new Log(Level.INFO, "mesh gateway " + text + " passes its probe again (" + probeSni + "); using it again"));
      }
    }
    if (change) {
      changed(now, out);
    }
    return out;
  }

  /** Marks {@code text} failing; true (and one log line) only when it was not failing before. */
  private boolean probeFailed(String text, String reason, List<Action> out) {
    if (failing.put(text, reason) != null) {
      return false;
    }
    out.add(new Log(Level.WARN, "mesh gateway " + text + " failed its probe (" + probeSni + "): " + reason
        + "; skipping it until a probe succeeds"));
    return true;
  }

  /** Every gateway the view may hand out, by text, in the order local, primary, fallback. */
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
  private void probe(String text, GatewayAddress gateway, Instant now, List<Action> out) {
    if (probing.values().stream().anyMatch(p -> p.text().equals(text))) {
      return;
    }
    long attempt = ++lastAttempt;
    probing.put(attempt, new InFlight(text, now.plus(settings.probeTimeout())));
    probedOnce.add(text);
    out.add(new Probe(attempt, gateway, probeSni));
  }

  /** The time to the next probe round: shorter while no known gateway passes. */
  private Duration probeInterval() {
    Map<String, GatewayAddress> all = known();
    boolean nonePasses = !all.isEmpty() && failing.keySet().containsAll(all.keySet());
    return nonePasses && NONE_PASSING_PROBE_INTERVAL.compareTo(settings.probeInterval()) < 0
        ? NONE_PASSING_PROBE_INTERVAL : settings.probeInterval();
  }

  /** Publishes the current state; forgets probe results of gateways no longer known; probes new ones. */
  private void changed(Instant now, List<Action> out) {
    Map<String, GatewayAddress> all = known();
    failing.keySet().retainAll(all.keySet());
    probedOnce.retainAll(all.keySet());
    for (Iterator<Map.Entry<Long, InFlight>> it = probing.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, InFlight> e = it.next();
      if (!all.containsKey(e.getValue().text())) {
        it.remove();
        out.add(new CancelProbe(e.getKey()));
      }
    }
    out.add(new Publish(learned()));
    all.forEach((text, gateway) -> {
      if (!probedOnce.contains(text)) {
        probe(text, gateway, now, out);
      }
    });
    // The last passing gateway just failed: the next round comes at the faster pace.
    if (nextProbeRoundAt != null && now.plus(probeInterval()).isBefore(nextProbeRoundAt)) {
      nextProbeRoundAt = now.plus(probeInterval());
    }
  }

  /** What the view would show now. */
  public GatewayLocatorView.Learned learned() {
    return new GatewayLocatorView.Learned(populated, local, primary, fallback, Set.copyOf(failing.keySet()));
  }

  /** The reason of each gateway (by text) whose last probe failed. */
  public Map<String, String> failing() {
    return Map.copyOf(failing);
  }
}
