package io.meshfed.actors.locator;

import io.meshfed.actors.forward.GatewayResolver;
import io.meshfed.actors.forward.ReplicationSignal;
import io.meshfed.protocol.names.Names;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the {@link GatewayLocator} has learned, for the threads that dial (Netty event loops, RPC
 * callers): {@link #gateways} reads two volatile immutable snapshots and never blocks. The actor
 * publishes what it learns from the store, its fallback discovery and its probes; replication
 * reports to {@link ReplicationSignal} here directly, so the decision "primary through our local
 * gateways or directly" changes at once, without a round trip through the actor.
 */
public final class GatewayLocatorView implements GatewayResolver, ReplicationSignal {
  /** Consul's localFederationStateReplicatorFailuresBeforeDialingDirectly. */
  static final int FAILURES_BEFORE_DIALING_DIRECTLY = 3;

  private static final Logger LOG = LoggerFactory.getLogger(GatewayLocator.class);

  /** What the locator has learned; replaced whole, never changed in place. */
  public record Learned(boolean populated, List<GatewayAddress> local, List<GatewayAddress> primary,
                        List<GatewayAddress> fallback, Set<String> failing) {
    static final Learned NOTHING = new Learned(false, List.of(), List.of(), List.of(), Set.of());
  }

  /**
   * The replication signal. Counting consecutive failures is enough: a success
   * resets the count, so "last success after last failure" is "no failure since", and a fresh
   * server (or a fresh start of replication) begins with none, i.e. prefers local gateways (PR #9528).
   */
  private record Replication(boolean useSignal, int consecutiveFailures) {}

  /**
   * Completes once the locator has read the local store: before that, no gateway is returned for
   * any DC, so a first WAN join sent earlier could only fail and wait a whole retry interval.
   */
  public CompletionStage<Void> whenPopulated() {
    return populated;
  }

  /** The operator's view of the locator's current decisions. Lists hold {@code host:port} texts, sorted. */
  public record Snapshot(boolean populated, List<String> local, List<String> primary, List<String> fallback,
                         List<String> failing, boolean dialPrimaryThroughLocal, boolean replicationSignalInUse,
                         int consecutiveReplicationFailures) {}

  private final String datacenter;
  private final String primaryDatacenter;
  private final boolean inPrimary;
  private volatile Learned learned = Learned.NOTHING;
  private final CompletableFuture<Void> populated = new CompletableFuture<>();
  private volatile Replication replication = new Replication(false, 0);
  private volatile java.util.Map<String, String> probeFailures = java.util.Map.of();

  public GatewayLocatorView(String datacenter, String primaryDatacenter) {
    this.datacenter = Names.datacenterKey(datacenter);
    this.primaryDatacenter = Names.datacenterKey(primaryDatacenter);
    this.inPrimary = this.datacenter.equals(this.primaryDatacenter);
  }

  /**
   * Consul's {@code listGateways}, then the probes: gateways whose last probe failed are left
   * out unless every candidate failed, in which case all are returned (a stale probe result must
   * never leave a DC with no route at all; the dial's own error is then the better message).
   */
  @Override
  public List<InetSocketAddress> gateways(String dc) {
    Learned now = learned;
    List<GatewayAddress> candidates = candidates(now, Names.datacenterKey(dc));
    List<InetSocketAddress> passing = candidates.stream().filter(g -> !now.failing().contains(g.text()))
        .map(GatewayAddress::address).toList();
    return passing.isEmpty() ? candidates.stream().map(GatewayAddress::address).toList() : passing;
  }

  private List<GatewayAddress> candidates(Learned now, String dc) {
    if (!now.populated()) {
      return List.of();
    }
    if (!dc.equals(primaryDatacenter)) {
      return now.local();
    }
    if (inPrimary) {
      return now.primary();
    }
    if (dialPrimaryThroughLocalGateway() && !now.local().isEmpty()) {
      return now.local();
    }
    return GatewayAddress.sortedUnion(now.primary(), now.fallback());
  }

  @Override
  public String source() {
    return "the gateway locator: federation states in the local store, and meshfed.primary-gateways for the primary";
  }

  /** Consul's {@code DialPrimaryThroughLocalGateway}. */
  public boolean dialPrimaryThroughLocalGateway() {
    return decide(replication);
  }

  private boolean decide(Replication r) {
    if (inPrimary) {
      return false;
    }
    // Followers have no signal: they trust their local gateways (PR #9366).
    return !r.useSignal() || r.consecutiveFailures() < FAILURES_BEFORE_DIALING_DIRECTLY;
  }

  public Snapshot snapshot() {
    Learned now = learned;
    Replication r = replication;
    return new Snapshot(now.populated(), GatewayAddress.texts(now.local()), GatewayAddress.texts(now.primary()),
        GatewayAddress.texts(now.fallback()), List.copyOf(new TreeSet<>(now.failing())), decide(r), r.useSignal(),
        r.consecutiveFailures());
  }

  @Override
  public void replicationStarted() {
    update(new Replication(true, 0));
  }

  @Override
  public synchronized void replicationResult(Throwable error) {
    Replication r = replication;
    update(new Replication(r.useSignal(), error == null ? 0 : r.consecutiveFailures() + 1));
  }

  @Override
  public void replicationStopped() {
    update(new Replication(false, 0));
  }

  /** Serialised so that the flip log lines come in the order of the decisions they report. */
  private synchronized void update(Replication next) {
    boolean before = decide(replication);
    replication = next;
    boolean after = decide(next);
    // In the primary the decision is constant (false) and not worth a line (Consul does the same).
    if (before != after && !inPrimary) {
      LOG.info(after ? "will dial the primary datacenter using our local mesh gateways if possible"
          : "will dial the primary datacenter through its mesh gateways");
    }
  }

  /**
   * The gateways this server would dial for {@code dc} before the probes filter them, and where
   * they come from, for the federation status: the same choice as {@link #gateways}.
   *
   * @param via {@code local-gateways}, {@code primary-gateways} (the primary's own, replicated or
   *     configured) or {@code none} (not populated yet)
   * @param gateways {@code host:port} texts, sorted
   */
  public record Path(String via, List<String> gateways) {}

  public Path path(String dc) {
    Learned now = learned;
    String key = Names.datacenterKey(dc);
    List<GatewayAddress> candidates = candidates(now, key);
    String via;
    if (!now.populated()) {
      via = "none";
    } else if (!key.equals(primaryDatacenter) || (!inPrimary && dialPrimaryThroughLocalGateway()
        && !now.local().isEmpty())) {
      via = "local-gateways";
    } else {
      via = "primary-gateways";
    }
    return new Path(via, GatewayAddress.texts(candidates));
  }

  /** The reason of each known gateway ({@code host:port}) whose last probe failed. */
  public java.util.Map<String, String> probeFailures() {
    return probeFailures;
  }

  /** The locator's way in: the reasons behind {@link Learned#failing()}, replaced whole. */
  void probeFailures(java.util.Map<String, String> reasons) {
    probeFailures = java.util.Map.copyOf(reasons);
  }

  /** The locator's way in (or a simulation's, driving a {@link GatewayTracker}); one caller at a time. */
  public void publish(Learned next) {
    learned = next;
    if (next.populated()) {
      populated.complete(null);
    }
  }

  Learned learned() {
    return learned;
  }
}
