package io.meshfed.server.endpoint;

import io.meshfed.actors.federation.FederationStateReplication;
import io.meshfed.actors.federation.FederationStateAntiEntropy;
import io.meshfed.actors.federation.GatewayRollout;
import io.meshfed.actors.federation.ReplicaLedger;
import io.meshfed.actors.federation.ReplicaProgress;
import io.meshfed.actors.leader.Leader;
import io.meshfed.actors.locator.GatewayLocatorView;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.wan.WanRouter;
import io.meshfed.actors.wan.swim.Member;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.names.Names;
import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.server.status.FederationStatus;
import io.meshfed.server.status.FederationVerdicts;
import io.meshfed.server.status.FederationVerdicts.Judgement;
import io.meshfed.server.status.FederationVerdicts.MemberStatus;
import io.meshfed.server.status.StatusHistory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/operator/federation}: every DC's verdict as this server sees it, answered by any
 * server. What lives only on the DC's leader (replication, anti-entropy) is asked of it through
 * the leader singleton; when it does not answer, the answer says so instead of failing. The rules
 * are {@link FederationVerdicts}'; this class gathers their inputs and keeps the times
 * ({@link StatusHistory}), judging on a timer too so that "since" is when this server first saw a
 * verdict, not when someone first asked.
 */
public final class FederationStatusEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(FederationStatusEndpoint.class);
  /** Shorter than the routines endpoint's 5 s: the status answers without the leader rather than wait. */
  static final Duration LEADER_TIMEOUT = Duration.ofSeconds(3);
  /** How often this server judges on its own, the resolution of every "since". */
  public static final Duration OBSERVE_INTERVAL = Duration.ofSeconds(2);

  private final ServerIdentity self;
  private final Acl acl;
  private final boolean crossDc;
  private final WanRouter wan;
  private final GatewayLocatorView locator;
  private final Map<String, List<String>> staticGateways;
  private final StoreClient store;
  private final ReplicaLedger ledger;
  private final ActorRef<Leader.Command> leader;
  private final BooleanSupplier barrierOpen;
  private final Supplier<Optional<X509Certificate>> certificate;
  private final ActorSystem<?> system;
  private final Clock clock;
  private final StatusHistory history = new StatusHistory();

  /**
   * @param crossDc whether this server federates (TLS): without it no path is judged
   * @param certificate this server's certificate in force, read per call (a reload may change it)
   */
  public FederationStatusEndpoint(ServerIdentity self, Acl acl, boolean crossDc, WanRouter wan,
      GatewayLocatorView locator, Map<String, List<String>> staticGateways, StoreClient store, ReplicaLedger ledger,
      ActorRef<Leader.Command> leader, BooleanSupplier barrierOpen, Supplier<Optional<X509Certificate>> certificate,
      ActorSystem<?> system, Clock clock) {
    this.self = self;
    this.acl = acl;
    this.crossDc = crossDc;
    this.wan = wan;
    this.locator = locator;
    this.staticGateways = staticGateways;
    this.store = store;
    this.ledger = ledger;
    this.leader = leader;
    this.barrierOpen = barrierOpen;
    this.certificate = certificate;
    this.system = system;
    this.clock = clock;
  }

  /** Judges every {@link #OBSERVE_INTERVAL} until the actor system stops; the result is only remembered. */
  public Cancellable observe() {
    return system.scheduler().scheduleWithFixedDelay(OBSERVE_INTERVAL, OBSERVE_INTERVAL, () ->
        judge(List.of()).whenComplete((s, err) -> {
          if (err != null) {
            LOG.debug("federation status observation failed", err);
          }
        }), system.executionContext());
  }

  /**
   * @param dc "" for every DC this server knows of, else only that one (judged even when unknown)
   */
  public CompletionStage<FederationStatus> status(String token, String dc) {
    return Endpoints.guarded(() -> {
      acl.operator(token, Access.READ);
      RequestValidation.requireValidTarget(dc);
      String key = Names.datacenterKey(dc);
      return judge(key.isEmpty() ? List.of() : List.of(key)).thenApply(status -> key.isEmpty() ? status
          : new FederationStatus(status.node(), status.datacenter(), status.primary(), status.at(),
              status.datacenters().stream().filter(d -> d.datacenter().equals(key)).toList(), status.local()));
    });
  }

  private CompletionStage<FederationStatus> judge(List<String> asked) {
    CompletableFuture<Outcome<List<FederationState>>> states = Outcome.of(store.<DcStore.QueryResult<List<FederationState>>>ask(
        reply -> new DcStore.ListFederationStates(0, Duration.ZERO, reply)).thenApply(DcStore.QueryResult::value));
    CompletableFuture<Outcome<Map<String, ReplicaProgress>>> progress = self.isPrimary()
        ? Outcome.of(ledger.all()) : CompletableFuture.completedFuture(new Outcome<>(Map.of(), null));
    CompletableFuture<Outcome<Leader.RoutineReport>> report = Outcome.of(
        AskPattern.<Leader.Command, Leader.RoutineReport>ask(leader, Leader.Report::new, LEADER_TIMEOUT,
            system.scheduler()));
    return CompletableFuture.allOf(states, progress, report)
        .thenApply(done -> judge(asked, states.join(), progress.join(), report.join()));
  }

  private FederationStatus judge(List<String> asked, Outcome<List<FederationState>> statesRead,
      Outcome<Map<String, ReplicaProgress>> progressRead, Outcome<Leader.RoutineReport> reportRead) {
    Instant now = clock.instant();
    String own = Names.datacenterKey(self.datacenter());
    String primary = Names.datacenterKey(self.primaryDatacenter());
    List<Member> members = wan.members();

    List<FederationVerdicts.Server> servers = new ArrayList<>();
    List<FederationStatus.Member> shown = new ArrayList<>();
    for (Member m : members) {
      MemberStatus status = switch (m.state()) {
        case ALIVE -> MemberStatus.ALIVE;
        case SUSPECT -> MemberStatus.SUSPECT;
        case DEAD -> MemberStatus.FAILED;
        case LEFT -> MemberStatus.LEFT;
      };
      String wire = status.name().toLowerCase(java.util.Locale.ROOT);
      Instant since = history.member(m.name(), wire, now);
      String node = Names.parseWanMemberName(m.name()).map(n -> n.node()).orElse(m.name());
      servers.add(new FederationVerdicts.Server(node, Names.datacenterKey(m.datacenter()), status, since));
      shown.add(new FederationStatus.Member(m.name(), wire, since));
    }
    history.retainMembers(new HashSet<>(members.stream().map(Member::name).toList()));

    Map<String, FederationVerdicts.State> states = new TreeMap<>();
    List<FederationState> stored = statesRead.value() == null ? List.of() : statesRead.value();
    for (FederationState s : stored) {
      states.put(Names.datacenterKey(s.datacenter()),
          new FederationVerdicts.State(s.meshGateways().size(), s.updatedAt()));
    }

    Map<String, FederationVerdicts.Replica> replicas = new TreeMap<>();
    if (self.isPrimary() && statesRead.error() == null && progressRead.error() == null) {
      FederationState ownState = stored.stream().filter(s -> Names.datacenterKey(s.datacenter()).equals(own))
          .findFirst().orElse(null);
      List<String> secondaries = stored.stream().map(s -> Names.datacenterKey(s.datacenter()))
          .filter(dc -> !dc.equals(own)).toList();
      GatewayRollout rollout = GatewayRollout.of(own, ownState, secondaries, progressRead.value(), List.of(), now);
      rollout.datacenters().forEach(d -> replicas.put(d.datacenter(),
          new FederationVerdicts.Replica(d.status().wireName(), d.lastRead(), d.reason())));
    }

    Leader.RoutineReport leaderReport = reportRead.value();
    Map<String, String> replicationDetails = leaderReport == null ? Map.of()
        : leaderReport.details().getOrDefault(FederationStateReplication.NAME, Map.of());
    Map<String, String> pushDetails = leaderReport == null ? Map.of()
        : leaderReport.details().getOrDefault(FederationStateAntiEntropy.NAME, Map.of());
    FederationVerdicts.Replication replication = replicationDetails.isEmpty() ? null : new FederationVerdicts.Replication(
        Boolean.parseBoolean(replicationDetails.get("Healthy")), parseLong(replicationDetails.get("RemoteIndex")),
        (int) parseLong(replicationDetails.get("ConsecutiveFailures")), instant(replicationDetails.get("LastSuccess")),
        instant(replicationDetails.get("LastErrorAt")), replicationDetails.get("LastError"),
        parseLong(replicationDetails.get("WedgedRestarts")));
    String routineError = leaderReport == null ? "" : leaderReport.routines().stream()
        .filter(r -> r.name().equals(FederationStateReplication.NAME) && !r.lastError().isEmpty())
        .map(r -> r.lastError() + (r.lastErrorAt() == null ? "" : " at " + r.lastErrorAt())).findFirst().orElse("");
    FederationVerdicts.Push push = pushDetails.get("LastPushAt") == null ? null : new FederationVerdicts.Push(
        instant(pushDetails.get("LastPushAt")),
        "ok".equals(pushDetails.get("LastPushResult")) ? null : pushDetails.get("LastPushResult"));
    Optional<X509Certificate> cert = certificate.get();
    FederationVerdicts.Certificate certIn = cert.map(c -> new FederationVerdicts.Certificate(
        c.getSubjectX500Principal().getName(), c.getNotAfter().toInstant())).orElse(null);
    boolean open = barrierOpen.getAsBoolean();
    String barrierReason = open ? "" : barrierReason(members, own, primary);
    String leaderProblem = reportRead.error() == null ? ""
        : "no answer from the DC's leader within " + LEADER_TIMEOUT.toSeconds() + " s (it may be moving to another"
            + " server): " + reportRead.error();
    FederationVerdicts.Local local = new FederationVerdicts.Local(open, barrierReason,
        leaderReport == null ? "" : leaderReport.leaderNode(), leaderProblem, replication, push, certIn,
        statesRead.error() == null ? "" : statesRead.error(), routineError);

    java.util.Set<String> known = new java.util.TreeSet<>(states.keySet());
    servers.forEach(s -> known.add(s.datacenter()));
    known.addAll(replicas.keySet());
    known.add(primary);
    known.add(own);
    // Only DCs this server knows keep a time: a name someone asked about is judged, not remembered.
    history.retainVerdicts(known);
    java.util.Set<String> dcs = new java.util.TreeSet<>(known);
    dcs.addAll(asked);
    dcs.remove(own);
    Map<String, FederationVerdicts.Path> paths = new TreeMap<>();
    if (crossDc) {
      Map<String, String> failures = locator.probeFailures();
      for (String dc : dcs) {
        paths.put(dc, path(dc, failures));
      }
    }

    FederationVerdicts.Inputs inputs = new FederationVerdicts.Inputs(now, self.nodeName(), own, primary, crossDc,
        servers, paths, states, replicas, local, asked);
    List<FederationStatus.Dc> out = new ArrayList<>();
    for (Judgement j : FederationVerdicts.judge(inputs)) {
      String dc = j.datacenter();
      List<FederationStatus.Member> dcMembers = new ArrayList<>();
      int[] counts = new int[MemberStatus.values().length];
      for (int i = 0; i < servers.size(); i++) {
        if (servers.get(i).datacenter().equals(dc)) {
          counts[servers.get(i).status().ordinal()]++;
          dcMembers.add(shown.get(i));
        }
      }
      FederationVerdicts.Path p = paths.get(dc);
      FederationVerdicts.State st = states.get(dc);
      FederationVerdicts.Replica r = replicas.get(dc);
      Instant since = known.contains(dc) ? history.verdict(dc, j.verdict().wireName(), now) : now;
      out.add(new FederationStatus.Dc(dc, j.verdict().wireName(), since,
          j.reasons(),
          new FederationStatus.Servers(counts[MemberStatus.ALIVE.ordinal()], counts[MemberStatus.SUSPECT.ordinal()],
              counts[MemberStatus.FAILED.ordinal()], counts[MemberStatus.LEFT.ordinal()], List.copyOf(dcMembers)),
          p == null ? null : new FederationStatus.Path(p.via(), p.gateways().stream()
              .map(g -> new FederationStatus.Gateway(g.address(), !p.probed() ? "not-probed"
                  : g.probeError() == null ? "passing" : "failing", Objects.toString(g.probeError(), ""))).toList()),
          st == null ? null : new FederationStatus.State(st.meshGateways(), st.updatedAt()),
          r == null ? null : new FederationStatus.Replica(r.status(), r.lastRead(), r.reason())));
    }
    FederationStatus.Local localOut = new FederationStatus.Local(local.leader(), leaderProblem,
        new FederationStatus.Barrier(open, barrierReason),
        replication == null ? null : new FederationStatus.Replication(replication.healthy(), replication.remoteIndex(),
            replication.consecutiveFailures(), replication.lastSuccess(), replication.lastErrorAt(),
            Objects.toString(replication.lastError(), ""), replication.wedgedRestarts()),
        push == null ? null : new FederationStatus.AntiEntropy(push.at(), push.error() == null ? "ok" : push.error()),
        cert.map(c -> new FederationStatus.Certificate(c.getSubjectX500Principal().getName(),
            c.getNotAfter().toInstant(), Duration.between(now, c.getNotAfter().toInstant()).toDays())).orElse(null));
    return new FederationStatus(self.nodeName(), own, primary, now, List.copyOf(out), localOut);
  }

  /** The gateways this server's dials to {@code dc} use, as the {@code Dialer} picks them: the locator's, else static ones. */
  private FederationVerdicts.Path path(String dc, Map<String, String> failures) {
    GatewayLocatorView.Path p = locator.path(dc);
    if (p.gateways().isEmpty()) {
      List<String> configured = staticGateways.entrySet().stream()
          .filter(e -> Names.datacenterKey(e.getKey()).equals(dc)).map(Map.Entry::getValue).findFirst()
          .orElse(List.of());
      if (!configured.isEmpty()) {
        return new FederationVerdicts.Path("static-gateways", configured.stream()
            .map(g -> new FederationVerdicts.Gateway(g, null)).toList(), false);
      }
    }
    return new FederationVerdicts.Path(p.via(), p.gateways().stream()
        .map(g -> new FederationVerdicts.Gateway(g, failures.get(g))).toList(), true);
  }

  /** Why {@code WanFeatureBarrier} holds, in its own terms: a server without the feature, or none of a DC known. */
  static String barrierReason(List<Member> members, String own, String primary) {
    for (String dc : own.equals(primary) ? List.of(own) : List.of(primary, own)) {
      boolean found = false;
      for (Member m : members) {
        if (!Names.datacenterKey(m.datacenter()).equals(dc) || m.state() == io.meshfed.actors.wan.swim.MemberState.LEFT) {
          continue;
        }
        found = true;
        if (!"1".equals(m.tags().get(Member.Tags.FEATURE_FEDERATION_STATES))) {
          String node = Names.parseWanMemberName(m.name()).map(n -> n.node()).orElse(m.name());
          return "server " + node + " of " + dc + " does not support federation states (version "
              + m.tags().getOrDefault(Member.Tags.VERSION, "unknown") + ")";
        }
      }
      if (!found) {
        return "no server of " + (dc.equals(primary) ? "the primary " : "") + dc + " in the WAN view yet";
      }
    }
    return "waiting for the WAN view (every server seen supports federation states)";
  }

  private static long parseLong(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Instant instant(String s) {
    if (s == null || s.equals("never")) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** A value or the reason it could not be had, so that one missing source does not fail the whole status. */
  private record Outcome<T>(T value, String error) {
    static <T> CompletableFuture<Outcome<T>> of(CompletionStage<T> stage) {
      return stage.handle((v, err) -> err == null ? new Outcome<>(v, null)
          : new Outcome<T>(null, message(err))).toCompletableFuture();
    }

    private static String message(Throwable err) {
      Throwable cause = err;
      while ((cause instanceof java.util.concurrent.CompletionException
          || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause instanceof ApiException api ? api.getMessage()
          : Objects.toString(cause.getMessage(), cause.getClass().getSimpleName());
    }
  }
}
