package io.meshfed.actors.federation;

import static io.meshfed.actors.federation.FederationFixture.get;
import static io.meshfed.actors.federation.FederationFixture.join;
import static io.meshfed.actors.federation.FederationFixture.list;
import static io.meshfed.actors.federation.FederationFixture.state;
import static io.meshfed.actors.federation.FederationFixture.uniqueDc;
import static io.meshfed.actors.federation.FederationFixture.upsert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.actors.catalog.MemberReconciler;
import io.meshfed.actors.catalog.TcpChecks;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.leader.Leader;
import io.meshfed.actors.leader.RoutineSpec;
import io.meshfed.actors.leader.RoutineStatus;
import io.meshfed.actors.locator.GatewayLocatorView;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckDefinition;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.names.WireConstants;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, acceptance 2: 100 leadership changes leave no routine, timer, thread or connection
 * behind. The leader runs the routines a DC's leader runs (the set {@code LeaderRoutines.of}
 * builds, which is package-private in the server package): member reconciliation, TCP checks
 * probing a real listening socket, anti-entropy, and in a secondary replication, whose blocking
 * read is parked in a real primary store when leadership ends (the shape that leaked in Consul), or
 * in the primary pruning, with a live timer. Each leadership is stopped the way the singleton does
 * it ({@link Leader.Shutdown}, then termination).
 *
 * <p>Runs in the class's own actor system (a one-node cluster with an H2 journal), so the live
 * actors counted are those of this test only; each test takes its baseline after its own warm-up.
 */
class FederationLeadershipLeakTest extends FederationRoutineTestBase {
  private static final int CHANGES = 100;
  private static final int WARM_UP = 5;
  private static final String GW_NODE = "gw-leak";
  private static final String CHECK_ID = "gw-listening";

  /**
   * Threads the JVM and the dispatchers may add on their own, whatever the number of leadership
   * changes: the default dispatcher is a ForkJoinPool that starts workers on demand up to its
   * parallelism (and may add a compensating one when a task blocks), the JVM may start helpers
   * (Common-Cleaner, Attach Listener, a JIT compiler thread), and the journal's connection pool
   * starts a short-lived "connection adder" when it tops itself up. The blocking-IO dispatcher,
   * where tcp-checks connects, is counted only when idle (see {@link #awaitNoProbeThreads}). A leak
   * of one thread per leadership would be 100 here.
   */
  private static final int THREAD_TOLERANCE = 4;
  /**
   * Sockets that may be open at the moment of counting without being left behind: a probe's
   * connection and its accepted end, closed a moment later by the prober and the acceptor. A leak
   * of one connection per leadership would be 100 here.
   */
  private static final int SOCKET_TOLERANCE = 2;

  private StoreClient local;
  private StoreClient primaryStore;
  private String localDc;
  private CountingPrimary primary;
  private GatewayLocatorView view;
  private final ReplicationStatusHolder status = new ReplicationStatusHolder();
  private List<RoutineSpec> secondaryRoutines;

  /** The primary variant: its own DC store, where anti-entropy writes and pruning deletes. */
  private StoreClient primaryLeaderStore;
  private String primaryLeaderDc;
  /** Pruning's checks (each asks which DCs are in the WAN). */
  private final AtomicInteger pruningChecks = new AtomicInteger();
  private List<RoutineSpec> primaryRoutines;

  private ServerSocket listening;
  /** Made once: a test probe is an actor too, and one per round would be counted as left behind. */
  private TestProbe<Leader.RoutineReport> statusReply;
  private TestProbe<Object> watcher;
  /** Live actors while the last leadership ran, to show that the count sees the leader's actors. */
  private long actorsWhileLeading;

  /** The primary over a real store, counting every call and keeping the reads that are still parked. */
  static final class CountingPrimary implements PrimaryFederationStates {
    private final StoreClient store;
    final AtomicInteger lists = new AtomicInteger();
    final AtomicInteger upserts = new AtomicInteger();
    final AtomicLong lastListMinIndex = new AtomicLong(-1);
    /** Blocking reads sent to the primary and not answered yet. */
    final Set<CompletableFuture<?>> parked = ConcurrentHashMap.newKeySet();

    CountingPrimary(StoreClient store) {
      this.store = store;
    }

    @Override
    public String datacenter() {
      return "dc1";
    }

    @Override
    public CompletionStage<DcStore.QueryResult<List<FederationState>>> list(String token, long minIndex,
        Duration wait, FederationState primaryCopy) {
      lists.incrementAndGet();
      lastListMinIndex.set(minIndex);
      CompletableFuture<DcStore.QueryResult<List<FederationState>>> read = store
          .<DcStore.QueryResult<List<FederationState>>>askBlocking(new QueryOptions("", minIndex, wait),
              reply -> new DcStore.ListFederationStates(minIndex, wait, reply))
          .toCompletableFuture();
      parked.add(read);
      read.whenComplete((r, e) -> parked.remove(read));
      return read;
    }

    @Override
    public CompletionStage<DcStore.WriteResult> upsert(String token, FederationState state) {
      upserts.incrementAndGet();
      return store.ask(reply -> new DcStore.ApplyFederationState(FederationStateOp.UPSERT, state, reply));
    }
  }

  private static final FederationBarrier PASSED = new FederationBarrier() {
    @Override
    public boolean passed() {
      return true;
    }

    @Override
    public void latch() {}
  };

  @BeforeAll
  void setUp() throws IOException {
    statusReply = fx.kit.createTestProbe();
    watcher = fx.kit.createTestProbe();
    listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!listening.isClosed()) {
        try (Socket accepted = listening.accept()) {
          // Accepted and closed: the probe only needs the connection to be established.
        } catch (IOException e) {
          // Closed at the end of the test, or one probe gave up: keep accepting while open.
        }
      }
    }, "leak-test-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();

    localDc = uniqueDc("secondary");
    String primaryDc = uniqueDc("primary");
    local = fx.store(localDc);
    primaryStore = fx.store(primaryDc);
    primary = new CountingPrimary(primaryStore);
    view = new GatewayLocatorView(localDc, primaryDc);
    upsert(primaryStore, state(primaryDc, FederationFixture.gateway(primaryDc, "gw-p1", 8443, HealthCheck.PASSING)));
    Supplier<String> token = () -> "repl-token";
    // What LeaderRoutines.of builds for a secondary (that class is package-private in the server package).
    secondaryRoutines = List.of(
        RoutineSpec.of(MemberReconciler.NAME, () -> MemberReconciler.create(local, localDc, Duration.ofSeconds(30))),
        RoutineSpec.of(TcpChecks.NAME, () -> TcpChecks.create(local)),
        RoutineSpec.of(FederationStateAntiEntropy.NAME, () -> FederationStateAntiEntropy.create(local, localDc, false,
            PASSED, primary, token, FederationStateAntiEntropy.Settings.defaults())),
        RoutineSpec.of(FederationStateReplication.NAME, () -> FederationStateReplication.create(local, primary, token,
            PASSED::passed, view, status, () -> 0L, FederationStateReplication.Settings.defaults())));

    primaryLeaderDc = uniqueDc("primary-leader");
    primaryLeaderStore = fx.store(primaryLeaderDc);
    Supplier<Set<String>> inWan = () -> {
      pruningChecks.incrementAndGet();
      return Set.of(primaryLeaderDc);
    };
    // ... and for the primary; pruning checks every second with no grace, so its timer is live.
    primaryRoutines = List.of(
        RoutineSpec.of(MemberReconciler.NAME,
            () -> MemberReconciler.create(primaryLeaderStore, primaryLeaderDc, Duration.ofSeconds(30))),
        RoutineSpec.of(TcpChecks.NAME, () -> TcpChecks.create(primaryLeaderStore)),
        RoutineSpec.of(FederationStateAntiEntropy.NAME, () -> FederationStateAntiEntropy.create(primaryLeaderStore,
            primaryLeaderDc, true, PASSED, null, token, FederationStateAntiEntropy.Settings.defaults())),
        RoutineSpec.of(FederationStatePruning.NAME, () -> FederationStatePruning.create(primaryLeaderStore,
            primaryLeaderDc, inWan, Duration.ofSeconds(1), Duration.ZERO)));
  }

  @AfterAll
  void closeSocket() throws IOException {
    listening.close();
  }

  /** Polls in the test thread: awaitility's default poller is a thread of its own. */
  private static ConditionFactory awaitHere() {
    return await().pollInSameThread().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(15));
  }

  private long liveActors() {
    return fx.kit.system().printTree().lines().filter(l -> l.contains("-> ")).count();
  }

  private static int threads() {
    return Thread.getAllStackTraces().size();
  }

  /** Live threads by name with the numbers taken out (one pool, one entry), for the printed figures. */
  private static Map<String, Long> threadsByPool() {
    return Thread.getAllStackTraces().keySet().stream().collect(Collectors.groupingBy(
        t -> t.getName().replaceAll("[0-9]+", "#"), TreeMap::new, Collectors.counting()));
  }

  /** Entries of /proc/self/fd that are sockets (TCP, UDP or Unix), i.e. this process's open connections. */
  private static int openSockets() {
    int n = 0;
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
            n++;
          }
        } catch (IOException e) {
          // The descriptor was closed while listing (the listing's own, or a probe's): not open.
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot list /proc/self/fd", e);
    }
    return n;
  }

  /**
   * Waits until the blocking-IO dispatcher, where tcp-checks connects, has no thread. Pekko shuts a
   * dispatcher's executor down once nothing has used it for its shutdown-timeout (1 s) and starts
   * it afresh on the next task, and tcp-checks' probes are its only users here: while leaderships
   * follow each other it holds up to its 16 threads, and when probing has really stopped it holds
   * none. Comparing thread counts in that state compares like with like; a probe timer surviving
   * its routine would keep the pool alive and fail this wait.
   */
  private static void awaitNoProbeThreads(String when) {
    await().pollInSameThread().pollInterval(Duration.ofMillis(50)).atMost(Duration.ofSeconds(10))
        .alias("blocking-IO threads gone " + when)
        .until(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().contains("default-blocking-io-dispatcher")));
  }

  /** The gateway registered afresh, its TCP check critical, with a port that differs every round. */
  private void registerGateway(StoreClient store, String dc, int round) {
    CheckDefinition tcp = new CheckDefinition("127.0.0.1:" + listening.getLocalPort(), "1s", "1s");
    HealthCheck check = new HealthCheck(GW_NODE, CHECK_ID, "mesh gateway listening", HealthCheck.CRITICAL, "", "",
        "mesh-gateway", "mesh-gateway", tcp);
    NodeService service = new NodeService("mesh-gateway", "mesh-gateway", WireConstants.KIND_MESH_GATEWAY, List.of(),
        "", 20_000 + round, Map.of("meshfed-wan-federation", "1"), Map.of());
    join(store.<DcStore.WriteResult>ask(reply -> new DcStore.RegisterCatalog(
        new Node(GW_NODE, "127.0.0.1", dc, Map.of(), Map.of()), service, List.of(check), reply)));
  }

  /** {@code dc}'s gateway as {@code store}'s federation state shows it: the given round's port, check passing. */
  private static boolean publishedIn(StoreClient store, String dc, int round) {
    FederationState s = get(store, dc);
    if (s == null || s.meshGateways().size() != 1) {
      return false;
    }
    CheckServiceNode gw = s.meshGateways().get(0);
    return gw.service().port() == 20_000 + round
        && gw.checks().stream().allMatch(c -> c.status().equals(HealthCheck.PASSING));
  }

  /** tcp-checks probed the listening socket and wrote the status. */
  private static boolean checkPassing(StoreClient store) {
    List<CheckServiceNode> gws = join(store.<DcStore.QueryResult<List<CheckServiceNode>>>ask(reply ->
        new DcStore.ListServices("", WireConstants.KIND_MESH_GATEWAY, 0, Duration.ZERO, reply))).value();
    return gws.size() == 1 && gws.get(0).checks().stream().allMatch(c -> c.status().equals(HealthCheck.PASSING));
  }

  private static long catalogIndex(StoreClient store) {
    return join(store.<DcStore.QueryResult<List<CheckServiceNode>>>ask(reply ->
        new DcStore.ListServices("", "", 0, Duration.ZERO, reply))).index();
  }

  /**
   * One leadership with {@code routines}: started, observed doing its work ({@code working}, then
   * every routine running), then handed over as the singleton does (Shutdown, then termination).
   */
  private void oneLeadership(List<RoutineSpec> routines, Runnable working) {
    ActorRef<Leader.Command> leader = fx.kit.spawn(Leader.create("leader-node", routines, Map::of));
    working.run();
    leader.tell(new Leader.Report(statusReply.ref()));
    List<RoutineStatus> running = statusReply.receiveMessage(Duration.ofSeconds(5)).routines();
    assertThat(running).hasSize(routines.size()).allMatch(RoutineStatus::running);
    actorsWhileLeading = liveActors();
    leader.tell(new Leader.Shutdown());
    watcher.expectTerminated(leader, Duration.ofSeconds(10));
  }

  /**
   * A secondary's leadership: tcp-checks probed and wrote, anti-entropy pushed to the primary,
   * replication brought the push back and parked its next read in the primary.
   */
  private void secondaryLeadership(int round) {
    registerGateway(local, localDc, round);
    Instant successBefore = status.get().lastSuccessAt();
    int upsertsBefore = primary.upserts.get();
    oneLeadership(secondaryRoutines, () -> {
      awaitHere().until(() -> view.snapshot().replicationSignalInUse());
      awaitHere().until(() -> checkPassing(local));
      awaitHere().until(() -> primary.upserts.get() > upsertsBefore && publishedIn(primaryStore, localDc, round));
      awaitHere().until(() -> publishedIn(local, localDc, round));
      awaitHere().until(() -> {
        ReplicationStatus s = status.get();
        long primaryIndex = list(primaryStore).index();
        return s.running() && s.lastSuccessAt() != null && !s.lastSuccessAt().equals(successBefore)
            && s.remoteIndex() == primaryIndex && primary.lastListMinIndex.get() == primaryIndex
            && !primary.parked.isEmpty();
      });
    });
    assertThat(view.snapshot().replicationSignalInUse()).as("locator still uses the replication signal after stop")
        .isFalse();
    assertThat(status.get().running()).as("replication status after stop").isFalse();
  }

  /**
   * A primary's leadership: tcp-checks probed and wrote, anti-entropy wrote the record, pruning
   * deleted a stale one.
   */
  private void primaryLeadership(int round) {
    registerGateway(primaryLeaderStore, primaryLeaderDc, round);
    String gone = "gone-" + round;
    upsert(primaryLeaderStore, state(gone));
    oneLeadership(primaryRoutines, () -> {
      awaitHere().until(() -> checkPassing(primaryLeaderStore));
      awaitHere().until(() -> publishedIn(primaryLeaderStore, primaryLeaderDc, round));
      awaitHere().until(() -> get(primaryLeaderStore, gone) == null);
    });
  }

  private record Figures(long actors, int threads, Map<String, Long> pools, int sockets) {
    static Figures now(FederationLeadershipLeakTest t) {
      return new Figures(t.liveActors(), FederationLeadershipLeakTest.threads(), threadsByPool(), openSockets());
    }
  }

  /**
   * Warm-up (classes loaded, pools at their working size), the baseline, {@link #CHANGES}
   * leadership changes ({@code afterEach} checks each), then {@code settle} (what was left in
   * flight is answered, and nothing acts any more), and the comparison.
   */
  private void changes(String variant, IntConsumer leadership, IntConsumer afterEach, Runnable settle) {
    for (int i = 0; i < WARM_UP; i++) {
      leadership.accept(i);
    }
    awaitNoProbeThreads("after the warm-up");
    Figures before = Figures.now(this);

    long started = System.nanoTime();
    for (int i = WARM_UP; i < WARM_UP + CHANGES; i++) {
      leadership.accept(i);
      afterEach.accept(i);
    }
    long perChangeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) / CHANGES;
    settle.run();

    long actorsAfter = liveActors();
    awaitNoProbeThreads("after the last leadership");
    int threadsAfter = threads();
    Map<String, Long> poolsAfter = threadsByPool();
    // A probe's socket may still be closing: wait for the count to settle rather than sample once.
    awaitHere().until(() -> openSockets() <= before.sockets() + SOCKET_TOLERANCE);
    int socketsAfter = openSockets();
    System.out.printf("%s: %d leadership changes, %d ms per change%n"
            + "  live actors: %d before, %d while leading, %d after%n"
            + "  threads: %d before, %d after%n  sockets: %d before, %d after%n"
            + "  threads by pool before: %s%n  threads by pool after:  %s%n", variant, CHANGES, perChangeMillis,
        before.actors(), actorsWhileLeading, actorsAfter, before.threads(), threadsAfter, before.sockets(),
        socketsAfter, before.pools(), poolsAfter);

    // The count follows live actors: leader, routine manager, 4 runners, 4 routines.
    assertThat(actorsWhileLeading).as("live actors during a leadership").isGreaterThanOrEqualTo(before.actors() + 10);
    assertThat(actorsAfter).as("live actors after %d leadership changes", CHANGES).isEqualTo(before.actors());
    assertThat(threadsAfter).as("threads: %d before, %d after", before.threads(), threadsAfter)
        .isLessThanOrEqualTo(before.threads() + THREAD_TOLERANCE);
    assertThat(socketsAfter).as("sockets: %d before, %d after", before.sockets(), socketsAfter)
        .isLessThanOrEqualTo(before.sockets() + SOCKET_TOLERANCE);
  }

  /** Waits 2 s during which {@code activity} does not change (and fails if it does). */
  private static void noActivity(Supplier<List<Object>> activity) {
    List<Object> last = activity.get();
    await().pollInSameThread().pollInterval(Duration.ofMillis(50)).during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5)).until(() -> activity.get().equals(last));
  }

  @Test
  void hundredLeadershipChangesOfASecondaryLeaveNothingBehind() {
    changes("secondary", this::secondaryLeadership,
        // A stopping replication cancels its parked read (across DCs, that cancel is an RPC cancel
        // to the primary), so no caller is left waiting on the primary.
        i -> assertThat(primary.parked).as("reads still awaited from the primary after change %d", i).isEmpty(),
        () -> {
          // A change in the primary now answers the store-side reads into dead letters; that starts
          // nothing: no call to the primary, no local write.
          upsert(primaryStore, state(uniqueDc("other")));
          noActivity(() -> List.of(primary.lists.get(), primary.upserts.get(), catalogIndex(local),
              list(local).index()));
          System.out.printf("secondary: primary calls: %d lists, %d upserts%n", primary.lists.get(),
              primary.upserts.get());
        });
    assertThat(view.snapshot().replicationSignalInUse()).isFalse();
  }

  @Test
  void hundredLeadershipChangesOfThePrimaryLeaveNothingBehind() {
    changes("primary", this::primaryLeadership, i -> {},
        // Pruning's timer (every second) and tcp-checks' probe timer stop with them.
        () -> noActivity(() -> List.of(pruningChecks.get(), catalogIndex(primaryLeaderStore),
            list(primaryLeaderStore).index())));
  }
}
