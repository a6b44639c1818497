package io.meshfed.actors.federation;

import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.time.Backoff;
import io.meshfed.actors.wan.WanFeatureBarrier;
import io.meshfed.actors.wan.swim.Member;
import io.meshfed.actors.wan.swim.MemberState;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.names.Names;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The federation-state flow of several DCs on virtual time: the routines' pure cores ({@link ReplicationCore},
 * {@link AntiEntropyCore}, {@link PruningCore}, with {@link IndexDiff} and {@link TokenBucket} inside them) and
 * {@link WanFeatureBarrier}, driven against simulated stores, catalogs, leaders and a network with loss, delay
 * and partitions. One {@link Random} seeded from the run's seed decides everything (the cores' jitter too), so
 * a seed replays a run exactly. Invariants are checked as the run goes; a broken one throws
 * {@link AssertionError} with the seed and the last lines of the run's trace.
 *
 * <p>Stated guarantees (checked here):
 * <ul>
 *   <li>Convergence: {@link #CONVERGENCE_BOUND} after faults stop, every live DC's record in the primary has
 *       its catalog's gateways, the primary holds no record of a DC outside the WAN, and every secondary's copy
 *       equals the primary's (same DCs, gateways, and {@code PrimaryModifyIndex} = the primary's
 *       {@code ModifyIndex}); once reached after {@link #SETTLED} (84 s) past the faults, the contents stay so
 *       (see {@link #checkConvergence}).</li>
 *   <li>No resurrection: once a decommissioned DC's record is gone from every store <em>and</em> from every
 *       copy in flight (a push of it on the network, a fetched list on the network or held by a round in
 *       progress), no store ever holds it again. Without the in-flight part it does not hold: a round that
 *       fetched before the deletion writes its copy after it, and the next round deletes it again.</li>
 *   <li>Anti-entropy never applies, in the primary, a DC's gateways read from an older catalog index than
 *       a push of that DC it has already applied.</li>
 *   <li>A server's feature barrier, once open, stays open; replication fetches and anti-entropy pushes only
 *       happen with it open.</li>
 *   <li>Only the current leader's routine instances act; answers to stopped ones are dead letters.</li>
 * </ul>
 */
final class FederationFlowSim {
  static final long MS = 1_000_000L;
  static final long SECOND = 1_000_000_000L;
  /** Faults stop by then at the latest; see {@link #CONVERGENCE_BOUND} for what follows. */
  static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(300);
  static final Duration PRUNE_GRACE = Duration.ofSeconds(60);
  static final Duration PRUNE_INTERVAL = Duration.ofSeconds(10);
  /** The deadline of an RPC that does not block, and the margin of one that does (as the real calls). */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
  static final String OPERATOR_ONLY_DC = "dcz";
  /**
   * How long anti-entropy may act on a view from the faults: a read lost with a store move ends at its deadline
   * (its longest wait plus the ask's margin), and the read issued then may park above the index of a restored
   * primary for its whole wait again.
   */
  static final Duration SETTLED = QueryOptions.longestWait(1, FederationStateAntiEntropy.Settings.DEFAULT_QUERY_WAIT)
      .plus(CALL_DEADLINE).multipliedBy(2);

  enum Table { FED, CAT }

  final long seed;
  private final Random rnd;
  private final PriorityQueue<Ev> queue = new PriorityQueue<>();
  private long seq;
  long now;
  private final ArrayDeque<String> trace = new ArrayDeque<>();
  final List<Dc> dcs = new ArrayList<>();
  final Dc primary;
  private final Set<String> partitions = new HashSet<>();
  private final Set<Msg> inFlight = new LinkedHashSet<>();
  private boolean faults = true;
  private double loss;
  final long faultEnd;
  /** DC key → the highest catalog index of that DC's pushes applied in the primary. */
  private final Map<String, Long> appliedPushVersion = new HashMap<>();
  /** Restores of the primary's store so far: its catalog's indexes start again with each, so they rank first. */
  private long primaryCatalogEpoch;
  /** Decommissioned DCs whose record is gone everywhere, in flight too. */
  private final Set<String> gone = new HashSet<>();
  private long convergedAt = -1;
  final Stats stats = new Stats();
  /** Test hook: called to let a test break a behaviour of the harness around the cores. */
  static boolean traceAll = Boolean.getBoolean("meshfed.sim.trace");

  static final class Stats {
    int events;
    int failovers;
    int storeRestarts;
    int partitionsCut;
    int operatorWrites;
    int catalogChanges;
    int deadLetters;
    int wedges;
    int decommissioned;
    int pruned;
    int barrierUpgrades;
    int restores;
    long convergenceNanos;
  }

  private record Ev(long at, long seq, Runnable run) implements Comparable<Ev> {
    @Override
    public int compareTo(Ev o) {
      return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
    }
  }

  /** A message on the network and the DC records it carries (for the no-resurrection rule). */
  private record Msg(long id, Set<String> carries) {}

  final class Store {
    long index = 1;
    long fedIndex;
    long catIndex;
    final TreeMap<String, FederationState> states = new TreeMap<>();
    final TreeMap<String, CheckServiceNode> catalog = new TreeMap<>();
    final List<Parked> parked = new ArrayList<>();

    long reported(Table t) {
      return Math.max(1, t == Table.FED ? fedIndex : catIndex);
    }

    List<FederationState> list() {
      return List.copyOf(states.values());
    }

    List<CheckServiceNode> gateways() {
      return List.copyOf(catalog.values());
    }
  }

  private record Parked(Table table, long minIndex, Runnable answer) {}

  final class Dc {
    final String name;
    final boolean isPrimary;
    final Store store = new Store();
    final int servers = 3;
    final boolean[] ftFs = {true, true, true};
    final WanFeatureBarrier[] barriers = new WanFeatureBarrier[servers];
    final boolean[] barrierOpened = new boolean[servers];
    int leader;
    int term;
    boolean leaderUp = true;
    boolean decommissioned;
    final List<Inst> routines = new ArrayList<>();
    int nextGateway;

    Dc(String name, boolean isPrimary) {
      this.name = name;
      this.isPrimary = isPrimary;
      for (int i = 0; i < servers; i++) {
        barriers[i] = new WanFeatureBarrier(name, "dc1", FederationFlowSim.this::members);
      }
    }

    String key() {
      return Names.datacenterKey(name);
    }

    boolean barrier() {
      boolean open = barriers[leader].passed();
      if (barrierOpened[leader] && !open) {
        fail("the feature barrier of " + name + " server " + leader + " closed again after it had opened");
      }
      barrierOpened[leader] |= open;
      return open;
    }
  }

  /** One instance of a routine on one leader: answers for it after it stopped are dead letters. */
  abstract class Inst {
    final Dc dc;
    final int term;
    final String what;
    boolean alive = true;

    Inst(Dc dc, String what) {
      this.dc = dc;
      this.term = dc.term;
      this.what = what;
    }

    abstract void start();

    void stop() {
      alive = false;
    }

    /** Runs an input of the core if this instance still runs; checks that it runs on the leader. */
    boolean live() {
      if (!alive) {
        stats.deadLetters++;
        return false;
      }
      if (!dc.leaderUp || dc.term != term || dc.decommissioned) {
        fail(what + " of " + dc.name + " (term " + term + ") runs on a non-leader (term " + dc.term + ", up "
            + dc.leaderUp + ")");
      }
      return true;
    }
  }

  FederationFlowSim(long seed) {
    this.seed = seed;
    this.rnd = new Random(seed);
    int n = 3 + rnd.nextInt(3);
    for (int i = 1; i <= n; i++) {
      dcs.add(new Dc("dc" + i, i == 1));
    }
    primary = dcs.get(0);
    faultEnd = (120 + rnd.nextInt(280)) * SECOND;
    loss = rnd.nextDouble() * 0.3;
  }

  // ---------------------------------------------------------------- the run

  /** Runs the scenario and checks every invariant; returns the stats. */
  Stats run() {
    for (Dc dc : dcs) {
      int initial = 1 + rnd.nextInt(2);
      for (int i = 0; i < initial; i++) {
        registerGateway(dc);
      }
    }
    if (rnd.nextDouble() < 0.3) {
      // A rolling upgrade: some servers do not support federation states yet; the barrier holds until they do.
      for (int k = rnd.nextInt(3) + 1; k > 0; k--) {
        Dc dc = dcs.get(rnd.nextInt(dcs.size()));
        int server = rnd.nextInt(dc.servers);
        dc.ftFs[server] = false;
        at(rnd.nextInt(90) * SECOND, () -> {
          dc.ftFs[server] = true;
          stats.barrierUpgrades++;
          log("upgrade " + dc.name + " server " + server);
        });
      }
    }
    for (Dc dc : dcs) {
      startRoutines(dc);
      scheduleFaults(dc);
    }
    if (dcs.size() > 3 || rnd.nextBoolean()) {
      Dc victim = dcs.get(1 + rnd.nextInt(dcs.size() - 1));
      at((20 + rnd.nextInt((int) (faultEnd / SECOND) - 20)) * SECOND, () -> decommission(victim));
    }
    if (rnd.nextDouble() < 0.3) {
      // The primary's store is restored from an older snapshot: its index goes back.
      long taken = (10 + rnd.nextInt((int) (faultEnd / SECOND) - 20)) * SECOND;
      at(taken, () -> {
        Store snapshot = copy(primary.store);
        log("snapshot of the primary's store at index " + snapshot.index);
        at(Math.min(faultEnd - SECOND, now + (5 + rnd.nextInt(60)) * SECOND), () -> restore(snapshot));
      });
    }
    scheduleOperator(rnd.nextInt(30) * SECOND);
    at(faultEnd, this::faultsEnd);
    long end = faultEnd + CONVERGENCE_BOUND.toNanos();
    while (!queue.isEmpty() && queue.peek().at <= end) {
      Ev ev = queue.poll();
      now = ev.at;
      stats.events++;
      ev.run.run();
      checkGone();
    }
    now = end;
    String diff = divergence();
    if (diff != null) {
      fail("not converged " + CONVERGENCE_BOUND.toSeconds() + " s after the faults stopped: " + diff);
    }
    stats.convergenceNanos = convergedAt - faultEnd;
    return stats;
  }

  private void faultsEnd() {
    faults = false;
    loss = 0;
    List<String> healed = new ArrayList<>(partitions);
    partitions.clear();
    log("faults end; healing " + healed);
    for (String p : healed) {
      healed(p);
    }
    every(SECOND, this::checkConvergence);
  }

  /**
   * Once converged, the contents stay so, from {@link #SETTLED} after the faults stopped. Before that a routine may
   * still act on a view from the faults: anti-entropy whose read died with a store move (or is parked above the
   * index of a restored primary) pushes the gateways it last saw until that read's deadline, which can undo a
   * convergence reached meanwhile by chance (the catalog went back to what the primary held); the indexes may
   * move once more too. Converging again then counts.
   */
  private void checkConvergence() {
    if (convergedAt < 0) {
      if (divergence(true) == null) {
        convergedAt = now;
        log("converged");
      }
      return;
    }
    String diff = divergence(false);
    if (diff != null && now < faultEnd + SETTLED.toNanos()) {
      log("diverged again while views from the faults may remain: " + diff);
      convergedAt = -1;
    } else if (diff != null) {
      fail("converged at " + seconds(convergedAt) + " but diverged again: " + diff);
    }
  }

  String divergence() {
    return divergence(true);
  }

  /** Null when converged, else the first difference; {@code indexes}: the copies' indexes must match too. */
  String divergence(boolean indexes) {
    Set<String> live = new HashSet<>();
    for (Dc dc : dcs) {
      if (!dc.decommissioned) {
        live.add(dc.key());
        FederationState rec = primary.store.states.get(dc.key());
        FederationState catalog = new FederationState(dc.name, dc.store.gateways(), null, 0, 0, 0);
        if (rec == null || !AntiEntropyCore.sameGateways(rec, catalog)) {
          return "the primary's record of " + dc.name + " is " + rec + ", its catalog " + catalog.meshGateways();
        }
      }
    }
    if (!live.containsAll(primary.store.states.keySet())) {
      return "the primary holds records of DCs outside the WAN: " + primary.store.states.keySet();
    }
    for (Dc dc : dcs) {
      if (dc.isPrimary || dc.decommissioned) {
        continue;
      }
      if (!dc.store.states.keySet().equals(primary.store.states.keySet())) {
        return dc.name + " holds " + dc.store.states.keySet() + ", the primary " + primary.store.states.keySet();
      }
      for (FederationState p : primary.store.states.values()) {
        FederationState c = dc.store.states.get(Names.datacenterKey(p.datacenter()));
        if ((indexes && c.primaryModifyIndex() != p.modifyIndex()) || !c.meshGateways().equals(p.meshGateways())) {
          return dc.name + "'s copy of " + p.datacenter() + " is " + c + ", the primary's " + p;
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- faults and outside writes

  private void scheduleFaults(Dc dc) {
    // Leader fail-over.
    repeatWhileFaults(20, 120, () -> {
      if (dc.decommissioned || !dc.leaderUp) {
        return;
      }
      stats.failovers++;
      stopRoutines(dc);
      dc.leaderUp = false;
      long gap = (1000 + rnd.nextInt(14_000)) * MS;
      log("fail-over of " + dc.name + "'s leader; new one in " + gap / MS + " ms");
      at(now + gap, () -> {
        if (dc.decommissioned) {
          return;
        }
        dc.leader = (dc.leader + 1) % dc.servers;
        dc.term++;
        dc.leaderUp = true;
        startRoutines(dc);
      });
    });
    // The store singleton moves: reads parked in it are lost; their callers notice at their deadline.
    repeatWhileFaults(30, 200, () -> {
      stats.storeRestarts++;
      log("store of " + dc.name + " restarts, dropping " + dc.store.parked.size() + " parked reads");
      dc.store.parked.clear();
    });
    // The DC's mesh gateways change.
    repeatWhileFaults(5, 60, () -> {
      if (dc.decommissioned) {
        return;
      }
      stats.catalogChanges++;
      int r = rnd.nextInt(3);
      if (r == 0 || dc.store.catalog.isEmpty()) {
        registerGateway(dc);
      } else if (r == 1) {
        List<String> nodes = new ArrayList<>(dc.store.catalog.keySet());
        String node = nodes.get(rnd.nextInt(nodes.size()));
        dc.store.catalog.remove(node);
        catalogWritten(dc, "deregister " + node);
      } else {
        List<String> nodes = new ArrayList<>(dc.store.catalog.keySet());
        String node = nodes.get(rnd.nextInt(nodes.size()));
        CheckServiceNode g = dc.store.catalog.get(node);
        String status = g.checks().get(0).status().equals(HealthCheck.PASSING) ? HealthCheck.CRITICAL
            : HealthCheck.PASSING;
        dc.store.catalog.put(node, FederationFixture.gateway(dc.name, node, g.service().port(), status));
        catalogWritten(dc, node + " " + status);
      }
    });
    // Partitions between this DC and the primary.
    if (!dc.isPrimary) {
      repeatWhileFaults(5, 60, () -> {
        String p = dc.key();
        if (partitions.remove(p)) {
          healed(p);
        } else {
          stats.partitionsCut++;
          partitions.add(p);
          log("partition " + dc.name + " | " + primary.name);
        }
      });
    }
  }

  private void healed(String dcKey) {
    log("healed " + dcKey + " | " + primary.name);
    Dc dc = dc(dcKey);
    // The WAN view sees the primary's servers alive again a moment later.
    at(now + (500 + rnd.nextInt(2500)) * MS, () -> {
      for (Inst i : List.copyOf(dc.routines)) {
        if (i instanceof Replication r && r.alive) {
          r.run(r.core.pathChanged("a server of the primary is alive", now));
        }
      }
    });
  }

  private void decommission(Dc dc) {
    stats.decommissioned++;
    log("decommission " + dc.name);
    stopRoutines(dc);
    dc.decommissioned = true;
    dc.leaderUp = false;
    if (rnd.nextBoolean()) {
      at(now + rnd.nextInt(5000) * MS, () -> operatorWrite(FederationStateOp.DELETE, dc.name));
    }
  }

  private void scheduleOperator(long first) {
    at(first, () -> {
      if (!faults) {
        return;
      }
      List<String> names = new ArrayList<>();
      for (Dc dc : dcs) {
        if (!dc.decommissioned) {
          names.add(dc.name);
        }
      }
      names.add(OPERATOR_ONLY_DC);
      String dc = names.get(rnd.nextInt(names.size()));
      operatorWrite(rnd.nextBoolean() ? FederationStateOp.UPSERT : FederationStateOp.DELETE, dc);
      scheduleOperator(now + (10 + rnd.nextInt(50)) * SECOND);
    });
  }

  private void operatorWrite(FederationStateOp op, String dc) {
    stats.operatorWrites++;
    if (op == FederationStateOp.DELETE) {
      log("operator deletes " + dc);
      delete(primary, dc);
    } else {
      int port = 7000 + rnd.nextInt(1000);
      log("operator upserts " + dc + " with a gateway on " + port);
      upsert(primary, new FederationState(dc, List.of(FederationFixture.gateway(dc, "op-" + port, port,
          HealthCheck.PASSING)), null, 0, 0, 0));
    }
  }

  private Store copy(Store from) {
    Store to = new Store();
    to.index = from.index;
    to.fedIndex = from.fedIndex;
    to.catIndex = from.catIndex;
    to.states.putAll(from.states);
    to.catalog.putAll(from.catalog);
    return to;
  }

  private void restore(Store snapshot) {
    stats.restores++;
    Store s = primary.store;
    log("the primary's store is restored from index " + s.index + " to " + snapshot.index);
    s.index = snapshot.index;
    s.fedIndex = snapshot.fedIndex;
    s.catIndex = snapshot.catIndex;
    s.states.clear();
    s.states.putAll(snapshot.states);
    s.catalog.clear();
    s.catalog.putAll(snapshot.catalog);
    // The primary's catalog indexes start again.
    primaryCatalogEpoch++;
    // Like Consul's restore, which abandons the state store: every parked read answers at once, at the lower index.
    for (Parked p : List.copyOf(s.parked)) {
      s.parked.remove(p);
      p.answer.run();
    }
    // A restore is a write from outside: what it brings back was not brought back by the routines.
    gone.removeAll(s.states.keySet());
  }

  private void registerGateway(Dc dc) {
    String node = dc.name + "-gw" + dc.nextGateway++;
    dc.store.catalog.put(node, FederationFixture.gateway(dc.name, node, 8443 + dc.nextGateway, HealthCheck.PASSING));
    catalogWritten(dc, "register " + node);
  }

  private void catalogWritten(Dc dc, String what) {
    Store s = dc.store;
    s.index++;
    s.catIndex = s.index;
    log("catalog " + dc.name + "@" + s.index + ": " + what);
    wake(s);
  }

  private void repeatWhileFaults(int minSeconds, int maxSeconds, Runnable fault) {
    at(now + (minSeconds * 1000L + rnd.nextInt((maxSeconds - minSeconds) * 1000)) * MS, () -> {
      if (!faults) {
        return;
      }
      fault.run();
      repeatWhileFaults(minSeconds, maxSeconds, fault);
    });
  }

  // ---------------------------------------------------------------- stores

  private void upsert(Dc dc, FederationState state) {
    Store s = dc.store;
    String key = Names.datacenterKey(state.datacenter());
    if (gone.contains(key)) {
      fail("the record of " + state.datacenter() + " came back in " + dc.name + " after it was gone everywhere");
    }
    long idx = ++s.index;
    FederationState existing = s.states.get(key);
    long create = existing == null ? idx : existing.createIndex();
    long primaryIndex = state.primaryModifyIndex() == 0 ? idx : state.primaryModifyIndex();
    s.states.put(key, state.withIndexes(primaryIndex, create, idx));
    s.fedIndex = idx;
    wake(s);
  }

  private void delete(Dc dc, String datacenter) {
    Store s = dc.store;
    if (s.states.remove(Names.datacenterKey(datacenter)) == null) {
      return;
    }
    s.index++;
    s.fedIndex = s.index;
    wake(s);
  }

  private void wake(Store s) {
    for (Parked p : List.copyOf(s.parked)) {
      if (s.reported(p.table) > p.minIndex && s.parked.remove(p)) {
        p.answer.run();
      }
    }
  }

  /** A read of a store as DcStore answers it: parked while the table's index is at most {@code minIndex}. */
  private void read(Store s, Table table, long minIndex, Duration wait, Runnable answer) {
    if (minIndex > 0 && s.reported(table) <= minIndex) {
      Parked p = new Parked(table, minIndex, answer);
      s.parked.add(p);
      Duration w = wait.isZero() ? DcStore.DEFAULT_WAIT : wait.compareTo(DcStore.MAX_WAIT) > 0 ? DcStore.MAX_WAIT
          : wait;
      long jitter = (long) (rnd.nextDouble() * (w.toNanos() / 16));
      at(now + w.toNanos() + jitter, () -> {
        if (s.parked.remove(p)) {
          answer.run();
        }
      });
    } else {
      answer.run();
    }
  }

  // ---------------------------------------------------------------- calls and the network

  /** A call's outcome, delivered once: the answer, or the failure (the deadline, a refused dial). */
  private final class Call<T> {
    private boolean done;
    private final Consumer<T> ok;
    private final Consumer<Throwable> failed;

    Call(Consumer<T> ok, Consumer<Throwable> failed, Duration deadline) {
      this.ok = ok;
      this.failed = failed;
      at(now + deadline.toNanos(), () -> fail(new ApiException(ApiException.Code.INTERNAL, "deadline exceeded")));
    }

    void answer(T value) {
      if (!done) {
        done = true;
        ok.accept(value);
      }
    }

    void fail(Throwable error) {
      if (!done) {
        done = true;
        failed.accept(error);
      }
    }
  }

  private long localDelay() {
    return now + rnd.nextInt(5_000_000);
  }

  private long netDelay() {
    if (faults && rnd.nextDouble() < 0.1) {
      return now + (100 + rnd.nextInt(1900)) * MS;
    }
    return now + (1 + rnd.nextInt(100)) * MS;
  }

  private boolean cut(Dc from) {
    return partitions.contains(from.key());
  }

  /**
   * Sends {@code deliver} from {@code from} to the primary: refused at once when partitioned (no path), else
   * lost with the run's loss rate, cut by a partition that arises meanwhile, or delivered after a delay.
   */
  private void send(Dc from, Set<String> carries, Runnable onRefused, Runnable deliver) {
    if (cut(from)) {
      at(now + (1 + rnd.nextInt(50)) * MS, onRefused);
      return;
    }
    if (faults && rnd.nextDouble() < loss) {
      return;
    }
    Msg m = new Msg(seq++, carries);
    inFlight.add(m);
    at(netDelay(), () -> {
      inFlight.remove(m);
      if (!cut(from)) {
        deliver.run();
      }
    });
  }

  private static ApiException unavailable() {
    return new ApiException(ApiException.Code.UNAVAILABLE, "no path to datacenter dc1");
  }

  private static Set<String> keys(Collection<FederationState> states) {
    Set<String> out = new HashSet<>();
    for (FederationState s : states) {
      out.add(Names.datacenterKey(s.datacenter()));
    }
    return out;
  }

  // ---------------------------------------------------------------- routines

  private void startRoutines(Dc dc) {
    log("leader of " + dc.name + " is server " + dc.leader + " (term " + dc.term + ")");
    List<Inst> started = new ArrayList<>();
    started.add(new AntiEntropy(dc));
    if (dc.isPrimary) {
      started.add(new Pruning(dc));
    } else {
      started.add(new Replication(dc));
    }
    dc.routines.addAll(started);
    started.forEach(Inst::start);
  }

  private void stopRoutines(Dc dc) {
    dc.routines.forEach(Inst::stop);
    dc.routines.clear();
  }

  /** Runs {@code restart} as the routine runner does after an instance failed: a fresh one, a second later. */
  private void restartLater(Inst failed, Runnable restart) {
    failed.stop();
    failed.dc.routines.remove(failed);
    at(now + SECOND, () -> {
      if (failed.dc.leaderUp && failed.dc.term == failed.term && !failed.dc.decommissioned) {
        restart.run();
      }
    });
  }

  final class Replication extends Inst {
    final ReplicationCore<FederationState> core;
    private long timerGen;
    /** The DCs of the list the round in progress fetched (copies in flight, for the no-resurrection rule). */
    Set<String> holding = Set.of();

    Replication(Dc dc) {
      super(dc, "replication");
      FederationStateReplication.Settings settings = FederationStateReplication.Settings.defaults()
          .withRetry(Backoff.REPLICATION, new Random(rnd.nextLong()));
      core = new ReplicationCore<>(settings, FederationStateReplication.STATES, now);
    }

    @Override
    void start() {
      run(core.start(now));
    }

    void run(List<ReplicationCore.Action> actions) {
      for (ReplicationCore.Action a : actions) {
        if (a instanceof ReplicationCore.StartTimer t) {
          long gen = ++timerGen;
          at(now + t.after().toNanos(), () -> {
            if (gen == timerGen && live()) {
              run(core.timer(t.timer(), now, dc.barrier()));
            }
          });
        } else if (a instanceof ReplicationCore.Fetch f) {
          fetch(f);
        } else if (a instanceof ReplicationCore.ReadLocal) {
          at(localDelay(), () -> {
            if (live()) {
              run(core.localRead(dc.store.list(), now));
            }
          });
        } else if (a instanceof ReplicationCore.Apply<?> ap) {
          FederationState record = (FederationState) ap.record();
          at(localDelay(), () -> {
            if (!live()) {
              return;
            }
            if (ap.op() == FederationStateOp.DELETE) {
              delete(dc, record.datacenter());
            } else {
              upsert(dc, record);
            }
            run(core.applied(now));
          });
        } else if (a instanceof ReplicationCore.Succeeded || a instanceof ReplicationCore.Failed) {
          holding = Set.of();
        } else if (a instanceof ReplicationCore.Log l) {
          log(dc.name + " replication: " + l.message());
        } else if (a instanceof ReplicationCore.Wedged w) {
          stats.wedges++;
          log(dc.name + " replication wedged: " + w.reason());
          holding = Set.of();
          restartLater(this, () -> {
            Replication fresh = new Replication(dc);
            dc.routines.add(fresh);
            fresh.start();
          });
          return;
        }
      }
    }

    @Override
    void stop() {
      super.stop();
      holding = Set.of();
    }

    private void fetch(ReplicationCore.Fetch f) {
      if (!dc.barrier()) {
        fail(dc.name + " fetched from the primary with its feature barrier closed");
      }
      Duration deadline = QueryOptions.longestWait(f.minIndex(), f.maxWait()).plus(CALL_DEADLINE);
      Call<ReplicatedTable.Snapshot<FederationState>> call = new Call<>(
          snap -> {
            if (live()) {
              log(dc.name + " replication fetched index " + snap.index() + " (asked above " + f.minIndex() + ")");
              holding = keys(snap.records());
              run(core.fetched(snap.index(), snap.records(), now));
            }
          },
          error -> {
            if (live()) {
              run(core.fetchFailed(error, now));
            }
          }, deadline);
      send(dc, Set.of(), () -> call.fail(unavailable()), () -> read(primary.store, Table.FED, f.minIndex(),
          f.maxWait(), () -> {
            ReplicatedTable.Snapshot<FederationState> snap = new ReplicatedTable.Snapshot<>(
                primary.store.reported(Table.FED), primary.store.list());
            send(dc, keys(snap.records()), () -> call.fail(unavailable()), () -> call.answer(snap));
          }));
    }
  }

  final class AntiEntropy extends Inst {
    final AntiEntropyCore core;
    private final Map<AntiEntropyCore.Timer, Long> timerGen = new EnumMap<>(AntiEntropyCore.Timer.class);
    /** The catalog index of the gateways the core holds: what its next push is read from. */
    private long gatewaysVersion;

    AntiEntropy(Dc dc) {
      super(dc, "anti-entropy");
      FederationStateAntiEntropy.Settings d = FederationStateAntiEntropy.Settings.defaults();
      FederationStateAntiEntropy.Settings settings = new FederationStateAntiEntropy.Settings(d.barrierRetry(),
          d.queryWait(), d.retry(), d.pushesPerSecond(), d.burst(), new Random(rnd.nextLong()));
      core = new AntiEntropyCore(dc.name, settings, now);
    }

    @Override
    void start() {
      run(core.start(now, dc.barrier()));
    }

    void run(List<AntiEntropyCore.Action> actions) {
      for (AntiEntropyCore.Action a : actions) {
        if (a instanceof AntiEntropyCore.StartTimer t) {
          long gen = timerGen.merge(t.timer(), 1L, Long::sum);
          at(now + t.after().toNanos(), () -> {
            if (timerGen.get(t.timer()) == gen && live()) {
              run(core.timer(t.timer(), now, dc.barrier()));
            }
          });
        } else if (a instanceof AntiEntropyCore.CancelTimer t) {
          timerGen.merge(t.timer(), 1L, Long::sum);
        } else if (a instanceof AntiEntropyCore.ReadStoredStates) {
          at(localDelay(), () -> {
            if (live()) {
              run(core.storedStates(!dc.store.states.isEmpty(), now, dc.barrier()));
            }
          });
        } else if (a instanceof AntiEntropyCore.LatchBarrier) {
          dc.barriers[dc.leader].latch();
        } else if (a instanceof AntiEntropyCore.WatchOwn w) {
          watch(Table.FED, w.minIndex(), w.maxWait());
        } else if (a instanceof AntiEntropyCore.WatchGateways w) {
          watch(Table.CAT, w.minIndex(), w.maxWait());
        } else if (a instanceof AntiEntropyCore.Push p) {
          push(p.state());
        } else if (a instanceof AntiEntropyCore.Log l) {
          if (l.level() != org.slf4j.event.Level.TRACE) {
            log(dc.name + " anti-entropy: " + l.message());
          }
        }
      }
    }

    private void watch(Table table, long minIndex, Duration wait) {
      if (!dc.barrier()) {
        fail(dc.name + " anti-entropy reads with its feature barrier closed");
      }
      Duration deadline = QueryOptions.longestWait(minIndex, wait).plus(CALL_DEADLINE);
      Call<Runnable> call = new Call<>(Runnable::run, error -> {
        if (live()) {
          run(table == Table.FED ? core.ownReadFailed(error.getMessage(), now)
              : core.gatewaysReadFailed(error.getMessage(), now));
        }
      }, deadline);
      Store s = dc.store;
      at(localDelay(), () -> read(s, table, minIndex, wait, () -> {
        long index = s.reported(table);
        if (table == Table.FED) {
          FederationState own = s.states.get(dc.key());
          at(localDelay(), () -> call.answer(() -> {
            if (live()) {
              run(core.ownRead(own, index, now));
            }
          }));
        } else {
          List<CheckServiceNode> gateways = s.gateways();
          long epoch = primaryCatalogEpoch;
          at(localDelay(), () -> call.answer(() -> {
            if (live()) {
              gatewaysVersion = dc.isPrimary ? (epoch << 40) + index : index;
              run(core.gatewaysRead(gateways, index, now));
            }
          }));
        }
      }));
    }

    private void push(FederationState state) {
      if (!dc.barrier()) {
        fail(dc.name + " anti-entropy pushed with its feature barrier closed");
      }
      long version = gatewaysVersion;
      log(dc.name + " anti-entropy pushes " + state.meshGateways().size() + " gateways (catalog@" + version + ")");
      if (dc.isPrimary) {
        at(localDelay(), () -> {
          applyPush(state, version);
          if (live()) {
            run(core.pushed(now));
          }
        });
        return;
      }
      Call<Boolean> call = new Call<>(done -> {
        if (live()) {
          run(core.pushed(now));
        }
      }, error -> {
        if (live()) {
          run(core.pushFailed(error.getMessage(), ReplicationCore.unreachable(error), now));
        }
      }, CALL_DEADLINE);
      send(dc, Set.of(dc.key()), () -> call.fail(unavailable()), () -> {
        applyPush(state, version);
        send(dc, Set.of(), () -> call.fail(unavailable()), () -> call.answer(true));
      });
    }
  }

  /** A push of {@code state}, read from its DC's catalog at {@code version}, lands in the primary. */
  private void applyPush(FederationState state, long version) {
    String key = Names.datacenterKey(state.datacenter());
    long applied = appliedPushVersion.getOrDefault(key, 0L);
    if (version < applied) {
      fail("anti-entropy of " + state.datacenter() + " overwrote gateways read at catalog index " + applied
          + " with older ones read at " + version);
    }
    appliedPushVersion.put(key, version);
    upsert(primary, state);
  }

  final class Pruning extends Inst {
    final PruningCore core;

    Pruning(Dc dc) {
      super(dc, "pruning");
      core = new PruningCore(dc.name, PRUNE_GRACE);
    }

    @Override
    void start() {
      tick(now);
    }

    private void tick(long when) {
      at(when, () -> {
        if (live()) {
          run(core.check(now));
          tick(now + PRUNE_INTERVAL.toNanos());
        }
      });
    }

    void run(List<PruningCore.Action> actions) {
      for (PruningCore.Action a : actions) {
        if (a instanceof PruningCore.ListStates) {
          at(localDelay(), () -> {
            if (live()) {
              List<String> stored = dc.store.list().stream().map(FederationState::datacenter).toList();
              run(core.listed(stored, inWan(), now));
            }
          });
        } else if (a instanceof PruningCore.Delete d) {
          at(localDelay(), () -> {
            if (live()) {
              stats.pruned++;
              delete(dc, d.datacenter());
              run(core.deleted(d.datacenter(), now));
            }
          });
        } else if (a instanceof PruningCore.Log l) {
          log("pruning: " + l.message());
        }
      }
    }
  }

  // ---------------------------------------------------------------- the WAN

  private Set<String> inWan() {
    Set<String> out = new HashSet<>();
    for (Dc dc : dcs) {
      if (!dc.decommissioned) {
        out.add(dc.key());
      }
    }
    return out;
  }

  /** The WAN members as every server sees them (the simulation has one view): a decommissioned DC's have left. */
  private List<Member> members() {
    List<Member> out = new ArrayList<>();
    for (Dc dc : dcs) {
      for (int i = 0; i < dc.servers; i++) {
        Map<String, String> tags = dc.ftFs[i] ? Map.of(Member.Tags.FEATURE_FEDERATION_STATES, "1") : Map.of();
        out.add(new Member("s" + i + "." + dc.name, dc.name, "10.0." + dc.name.length() + "." + i, tags, 1,
            dc.decommissioned ? MemberState.LEFT : MemberState.ALIVE, 0));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- the no-resurrection rule

  private void checkGone() {
    for (Dc dc : dcs) {
      String key = dc.key();
      if (!dc.decommissioned || gone.contains(key)) {
        continue;
      }
      boolean anywhere = false;
      for (Dc d : dcs) {
        anywhere |= d.store.states.containsKey(key);
        for (Inst i : d.routines) {
          anywhere |= i instanceof Replication r && r.holding.contains(key);
        }
      }
      for (Msg m : inFlight) {
        anywhere |= m.carries.contains(key);
      }
      if (!anywhere) {
        gone.add(key);
        log("the record of " + dc.name + " is gone everywhere");
      }
    }
  }

  // ---------------------------------------------------------------- plumbing

  private Dc dc(String key) {
    for (Dc dc : dcs) {
      if (dc.key().equals(key)) {
        return dc;
      }
    }
    throw new IllegalArgumentException(key);
  }

  private void at(long when, Runnable run) {
    queue.add(new Ev(Math.max(when, now), seq++, run));
  }

  private void every(long period, Runnable run) {
    at(now + period, () -> {
      run.run();
      every(period, run);
    });
  }

  private void log(String line) {
    String l = seconds(now) + " " + line;
    if (traceAll) {
      System.out.println(l);
    }
    trace.addLast(l);
    if (trace.size() > 80) {
      trace.removeFirst();
    }
  }

  private static String seconds(long nanos) {
    return String.format("%.3fs", nanos / 1e9);
  }

  void fail(String message) {
    throw new AssertionError("seed " + seed + " (replay: -Dmeshfed.sim.seed=" + seed + ") at " + seconds(now)
        + ": " + message + "\n  last events:\n    " + String.join("\n    ", trace));
  }
}
