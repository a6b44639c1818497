package io.meshfed.server;

import io.meshfed.actors.guardian.ServerGuardian;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshfed.server.acl.Acl;
import io.meshfed.actors.store.StoreWatch;
import io.meshfed.server.endpoint.AclEndpoint;
import io.meshfed.server.api.http.HttpApi;
import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.server.endpoint.AgentEndpoint;
import io.meshfed.server.endpoint.CatalogEndpoint;
import io.meshfed.server.endpoint.FederationStateEndpoint;
import io.meshfed.server.endpoint.FederationStatusEndpoint;
import io.meshfed.server.endpoint.InternalRpcCalls;
import io.meshfed.server.endpoint.OperatorEndpoint;
import io.meshfed.server.endpoint.ServerIdentity;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.store.StoreHost;
import io.meshfed.actors.forward.Dialer;
import io.meshfed.actors.forward.InternalRpc;
import io.meshfed.actors.forward.StaticGateways;
import io.meshfed.server.endpoint.RpcEndpoints;
import io.meshfed.actors.lan.JoinProgress;
import io.meshfed.actors.lan.LanBootstrap;
import io.meshfed.actors.lan.LanCrashProbe;
import io.meshfed.actors.lan.LanCluster;
import io.meshfed.actors.lan.LanMembers;
import io.meshfed.actors.federation.PrimaryFederationStates;
import io.meshfed.actors.federation.ReplicaLedger;
import io.meshfed.actors.forward.FirstKnownGateways;
import io.meshfed.actors.locator.GatewayLocator;
import io.meshfed.actors.locator.GatewayLocatorView;
import io.meshfed.actors.locator.GatewayProbe;
import io.meshfed.actors.locator.LocalGatewayWait;
import java.time.Clock;
import io.meshfed.protocol.errors.ApiException;
import java.util.ArrayList;
import io.meshfed.server.config.ServerConfigLoader;
import java.util.List;
import io.meshfed.actors.leader.Leader;
import io.meshfed.actors.leader.RoutineSpec;
import io.meshfed.actors.wan.WanFeatureBarrier;
import io.meshfed.actors.wan.WanMembership;
import io.meshfed.actors.wan.WanRouter;
import io.meshfed.transport.metrics.Meters;
import io.meshfed.transport.port.ServerPort;
import io.meshfed.transport.rpc.RpcClient;
import io.meshfed.transport.rpc.RpcServer;
import io.meshfed.transport.gossip.GossipPacketReceiver;
import io.meshfed.transport.gossip.GossipStreamReceiver;
import io.meshfed.transport.tls.TlsSource;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.pekko.http.javadsl.server.Route;
import io.meshfed.persistence.journal.JournalSettings;
import io.meshfed.persistence.store.DcStore;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import io.meshfed.server.api.BlockingReads;
import io.meshfed.server.api.grpc.GrpcGate;
import io.meshfed.server.api.listener.RequestBudget;
import io.meshfed.server.api.grpc.GrpcServices;
import io.meshfed.server.api.listener.ApiListener;
import io.meshfed.server.api.listener.ApiTls;
import io.meshfed.server.api.listener.ConnectionLimits;
import io.meshfed.server.api.listener.ListenerStats;
import io.meshfed.server.api.listener.ProtocolStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running meshfed server: the actor system with the DC state store, and the HTTP and gRPC APIs.
 * {@link #start} returns once every API answers; {@link #stop} unbinds, stops every actor and
 * closes the journal.
 */
public final class MeshfedServer {
  public static final String VERSION = io.meshfed.protocol.version.Versions.RELEASE;
  static final String WAN_MEMBERSHIP = "wan-membership";
  static final String ACL_WATCH = "acl-watch";
  private static final Logger LOG = LoggerFactory.getLogger(MeshfedServer.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration UNBIND_DEADLINE = Duration.ofSeconds(3);
  /** Within the before-service-unbind phase's 5 s: a leave spreads in a few gossip rounds. */
  private static final Duration WAN_LEAVE_TIMEOUT = Duration.ofSeconds(4);
  /** Netty's event loops end within their 5 s shutdown timeout; past this the stop goes on without them. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  /**
   * Within the actor-system-terminate phase's 10 s: Artery's flush (500 ms) and the normal end of
   * its streams take well under a second; past this the streams left are aborted.
   */
  static final Duration REMOTING_STOP_DEADLINE = Duration.ofSeconds(5);

  private final ServerConfig config;
  private final ActorSystem<ServerGuardian.Command> system;
  private final ApiListener http;
  private final ApiListener grpc;
  private final Optional<ApiListener> https;
  private final Optional<ApiListener> grpcTls;
  private final CompletionStage<Done> released;
  private final InternalRpc internalRpc;
  private final AgentEndpoint.Reload reload;

  private MeshfedServer(ServerConfig config, ActorSystem<ServerGuardian.Command> system, ApiListener http,
      ApiListener grpc, Optional<ApiListener> https, Optional<ApiListener> grpcTls, CompletionStage<Done> released,
      InternalRpc internalRpc, AgentEndpoint.Reload reload) {
    this.config = config;
    this.system = system;
    this.http = http;
    this.grpc = grpc;
    this.https = https;
    this.grpcTls = grpcTls;
    this.released = released;
    this.internalRpc = internalRpc;
    this.reload = reload;
  }

  /** Starts a server; a problem that stops it is a {@link ConfigException} with one line. */
  public static MeshfedServer start(ServerConfig config) {
    return start(config, ConfigFactory.empty());
  }

  /**
   * Starts a server with Pekko settings layered over its own; tests use this to make a server
   * that dies without leaving the cluster, as a crashed process would.
   */
  static MeshfedServer start(ServerConfig config, Config pekkoOverrides) {
    return start(config, pekkoOverrides, FaultInjection.NONE);
  }

  /** As {@link #start(ServerConfig, Config)}, with a test's faults in the supervised actors. */
  static MeshfedServer start(ServerConfig config, Config pekkoOverrides, FaultInjection faults) {
    // Checked first: a bad certificate stops start-up before anything is locked or started, and
    // Artery's TLS uses the same material as the server port.
    Optional<TlsSource> tls = ServerTransport.tlsMaterial(config).map(TlsSource::of);
    PortCheck.ensureFree(config);
    prepareDataDir(config);
    DataDirLock lock = DataDirLock.acquire(config.dataDir());
    JournalSettings journal = journalSettings(config);
    CompletableFuture<ActorRef<DcStore.Command>> storeStarted = new CompletableFuture<>();
    ActorSystem<ServerGuardian.Command> system;
    try {
      system = ActorSystem.create(
          ServerGuardian.create(config.datacenter(), config.nodeName(), describe(config), storeStarted),
          LanCluster.SYSTEM_NAME,
          ActorSettings.lanSetup(config, tls, pekkoOverrides.withFallback(pekkoConfig(config, journal))));
    } catch (RuntimeException e) {
      lock.close();
      deleteIfEphemeral(config);
      throw e;
    }
    RemotingStopDeadline.install(system, REMOTING_STOP_DEADLINE);
    // Whatever stops the system (stop(), a signal, a failed store), the data dir is released after,
    // once the closes still under way have ended; none of it runs on an actor thread.
    PendingCloses closes = new PendingCloses();
    CompletionStage<Done> released = system.getWhenTerminated().handle((done, err) -> Done.getInstance())
        .thenComposeAsync(done -> closes.finish(CLOSE_TIMEOUT))
        .whenComplete((done, err) -> {
          lock.close();
          deleteIfEphemeral(config);
          LOG.info("meshfed server stopped: node {}, datacenter {}", config.nodeName(), config.datacenter());
        });
    try {
      LanBootstrap.Settings lanBootstrap = ActorSettings.lanBootstrap(config);
      JoinProgress joinProgress = new JoinProgress(JoinProgress.PEERS_ANSWER_WITHIN);
      system.systemActorOf(LanBootstrap.create(lanBootstrap, joinProgress), LanBootstrap.NAME,
          org.apache.pekko.actor.typed.Props.empty());
      if (config.lanCrashProbe()) {
        system.systemActorOf(LanCrashProbe.create(), LanCrashProbe.NAME, org.apache.pekko.actor.typed.Props.empty());
      }
      ActorRef<DcStore.Command> store = await(storeStarted, "the DC state store did not start");
      ServerIdentity self = new ServerIdentity(config.nodeName(), config.datacenter(), config.primaryDatacenter(),
          config.advertiseAddress(), config.ports().server(), config.ports().lan(), VERSION);
      Acl acl = new Acl(config.acl());
      StoreClient storeClient = new StoreClient(store, system, StoreHost.start(system),
          new StoreClient.Hold(config.lanRpcHoldTimeout(), joinProgress::upSoon));
      if (acl.enabled()) {
        // Tokens and policies made through the ACL API (replicated, in a secondary) resolve here.
        supervise(system, ACL_WATCH, StoreWatch.create("ACL table", storeClient, DcStore.ListAcl::new, acl::update));
      }
      Cluster cluster = Cluster.get(system);
      RpcClient rpcClient = ServerTransport.rpcClient(config, tls);
      closeAtStop(system, closes, CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "close-rpc-client",
          rpcClient::close);
      WanRouter wanRouter = new WanRouter();
      WanFeatureBarrier barrier = new WanFeatureBarrier(config.datacenter(), config.primaryDatacenter(),
          wanRouter::members);
      GatewayLocatorView locator = new GatewayLocatorView(config.datacenter(), config.primaryDatacenter());
      if (tls.isPresent()) {
        // Without TLS nothing crosses DCs, so there is nothing to locate (and no probe to make).
        // The probe outlives a locator that failed and was replaced, while each locator closes the
        // probe it was given when it stops: it gets one whose close does nothing, and the real one
        // is closed once every actor has stopped.
        GatewayProbe probe = ServerTransport.gatewayProbe(config, tls.get());
        closes.afterStop(probe::close);
        GatewayProbe keptOpen = probe::probe;
        supervise(system, GatewayLocator.NAME, faults.around(GatewayLocator.NAME, GatewayLocator.create(
            ActorSettings.locator(config), storeClient, keptOpen, locator, barrier::latch)));
      }
      Dialer dialer = new Dialer(config.datacenter(), tls.isPresent(), () -> LanMembers.servers(cluster.state()),
          new FirstKnownGateways(List.of(locator, new StaticGateways(config.staticGateways()))),
          wanRouter::aliveServers);
      // This server's own registry: several servers may share the JVM (tests, meshfed colocate).
      Meters meters = new Meters();
      InternalRpc internalRpc = new InternalRpc(rpcClient, dialer, meters);
      ActorRef<WanMembership.Command> wan = supervise(system, WAN_MEMBERSHIP, faults.around(WAN_MEMBERSHIP,
          WanMembership.create(ActorSettings.wan(config, faults.wanTags(ActorSettings.wanTags(config, VERSION))), dialer, wanRouter,
              ServerTransport.gossipDialer(config, tls), readyToJoinWan(config, tls.isPresent(), locator, storeClient,
                  system), whyNotReadyToJoinWan(config),
              () -> LanMembers.servers(cluster.state()).stream().filter(s -> LanMembers.ALIVE.equals(s.status()))
                  .map(LanMembers.Server::node).toList(), closes, meters)));
      // Before the server port closes, so the leave can still be gossiped and its answers received.
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "leave-wan",
          () -> AskPattern.<WanMembership.Command, Done>ask(wan, WanMembership.Leave::new, WAN_LEAVE_TIMEOUT,
              system.scheduler()).exceptionally(e -> Done.getInstance()));
      ReplicaLedger ledger = new ReplicaLedger(system, config.nodeName());
      FederationStateEndpoint federation = new FederationStateEndpoint(storeClient, self, acl, internalRpc,
          barrier::passed, WanFeatureBarrier.NOT_ENABLED, ledger);
      AclEndpoint acls = new AclEndpoint(storeClient, self, acl, internalRpc);
      LeaderRoutines.Replications replications = new LeaderRoutines.Replications(meters);
      CompletableFuture<ActorRef<Leader.Command>> leaderStarted = new CompletableFuture<>();
      system.tell(new ServerGuardian.StartLeader(withFaults(faults, LeaderRoutines.of(config, storeClient, barrier,
          federation.primary(config.primaryDatacenter()), locator,
          replications, wanRouter::datacenters, () -> wanRouter.arrivals(config.primaryDatacenter()),
          acls.primary(config.primaryDatacenter()), acl::replicationToken)),
          () -> LeaderRoutines.details(replications), leaderStarted));
      ActorRef<Leader.Command> leader = await(leaderStarted, "the DC leader did not start");
      InternalRpcCalls rpcCalls = new InternalRpcCalls();
      RpcServer rpcServer = RpcEndpoints.server(federation, acls, rpcCalls);
      GossipPacketReceiver gossipPackets = WanMembership.packetReceiver(wan);
      GossipStreamReceiver gossipStreams = WanMembership.streamReceiver(wan, system.scheduler());
      ServerPort serverPort = ServerTransport.serverPort(config, tls, rpcServer, gossipPackets, gossipStreams);
      TransportMetrics transportMetrics = new TransportMetrics(serverPort.stats(), rpcServer.stats(),
          gossipPackets.counters(), gossipStreams.counters());
      closeAtStop(system, closes, CoordinatedShutdown.PhaseServiceUnbind(), "close-server-port", serverPort::close);
      CatalogEndpoint catalog = new CatalogEndpoint(storeClient, self, acl);
      FederationStatusEndpoint federationStatus = new FederationStatusEndpoint(self, acl, tls.isPresent(), wanRouter,
          locator, config.staticGateways(), storeClient, ledger, leader, barrier::passed,
          () -> tls.map(t -> t.material().certificate()), system, Clock.systemUTC());
      // Judging asks the store and the leader: it ends with the APIs, not when the scheduler does.
      org.apache.pekko.actor.Cancellable judging = federationStatus.observe();
      onShutdown(system, CoordinatedShutdown.PhaseServiceUnbind(), "stop-federation-status", judging::cancel);
      OperatorEndpoint operator = new OperatorEndpoint(self, acl, cluster::state, leader, system,
          wanRouter, federationStatus, storeClient, Clock.systemUTC(), wan, address -> cluster.manager().tell(
              org.apache.pekko.cluster.typed.Down.apply(address)));

      ApiListeners.Stats apiStats = ApiListeners.Stats.create(config.ports());
      BlockingReads blockingReads = new BlockingReads(config.limits().blockingReads());
      RequestBudget requestBudget = new RequestBudget(config.limits().requestBuffer());
      Optional<TlsReloader> tlsReloader = tls.map(source -> new TlsReloader(config, source, Clock.systemUTC()));
      AgentEndpoint.Reload reload = reload(config.acl(), acl, tlsReloader);
      HttpApi httpApi = new HttpApi(federation, catalog, operator,
          new AgentEndpoint(acl, locator, replications.federationStates(), replications.acl(),
              replications.antiEntropy(), barrier::passed, wanRouter, reload), acls, acl,
          config.limits().http(), () -> apiStats.prometheus() + ApiListeners.sharedLimits(requestBudget, blockingReads)
              + storeClient.prometheus() + transportMetrics.prometheus() + rpcCalls.prometheus() + tlsReloader.map(TlsReloader::prometheus).orElse("")
              + meters.scrape(),
          blockingReads, requestBudget);
      Route httpRoute = httpApi.route();
      ApiListener http = bind(system, config.bindAddress(), config.ports().http(), "HTTP API", "meshfed.ports.http",
          ApiListeners.httpLimits(config.limits().http()), ApiListeners.http(system, config.limits().http(),
              httpRoute, apiStats.http()), apiStats.http(), Optional.empty());
      var grpcServices = GrpcServices.handler(federation, catalog, operator, acls, blockingReads, system);
      GrpcGate grpcGate = new GrpcGate(ApiListeners.handler(grpcServices), acl, requestBudget,
          config.limits().grpc().maxMessage(), config.limits().grpc().requestMessageTimeout(), system);
      ApiListener grpc = bind(system, config.bindAddress(), config.ports().grpc(), "gRPC API", "meshfed.ports.grpc",
          ApiListeners.grpcLimits(config.limits().grpc()), ApiListeners.grpc(system, config.limits().grpc(),
              grpcGate, apiStats.grpc(), ApiListeners.GRPC_NOT_HTTP1), apiStats.grpc(), Optional.empty());
      // The TLS ports share the plain ones' routes, limits (each port counts its own connections) and
      // request budget; the loader has made sure that TLS is configured when one is on.
      Optional<Supplier<SSLContext>> apiTls = tls.filter(t -> config.ports().https() != ServerConfig.Ports.OFF
          || config.ports().grpcTls() != ServerConfig.Ports.OFF)
          .map(t -> ServerTransport.jdkContext(t, "the client APIs'"));
      Optional<ApiListener> https = apiTls.filter(c -> config.ports().https() != ServerConfig.Ports.OFF)
          .map(context -> bind(system, config.bindAddress(), config.ports().https(), "HTTPS API", "meshfed.ports.https",
              ApiListeners.httpLimits(config.limits().http()), ApiListeners.http(system, config.limits().http(),
                  httpRoute, apiStats.https()), apiStats.https(),
              Optional.of(ApiListeners.https(context, config.tls()))));
      Optional<ApiListener> grpcTls = apiTls.filter(c -> config.ports().grpcTls() != ServerConfig.Ports.OFF)
          .map(context -> bind(system, config.bindAddress(), config.ports().grpcTls(), "gRPC TLS API",
              "meshfed.ports.grpc-tls", ApiListeners.grpcLimits(config.limits().grpc()),
              ApiListeners.grpc(system, config.limits().grpc(), grpcGate, apiStats.grpcTls(),
                  ApiListeners.GRPC_TLS_NOT_HTTP1), apiStats.grpcTls(),
              Optional.of(ApiListeners.grpcTls(context, config.tls()))));
      if (config.bootstrapExpect() == 1) {
        // Alone, the server forms its DC at once; answering before that would only produce 503s.
        await(upInCluster(system), "this server did not come up in its cluster");
      }
      return new MeshfedServer(config, system, http, grpc, https, grpcTls, released, internalRpc, reload);
    } catch (RuntimeException e) {
      system.terminate();
      awaitQuietly(released);
      throw e;
    }
  }

  public ServerConfig config() {
    return config;
  }

  /**
   * Puts the TLS files in force again, as {@code PUT /v1/agent/reload} does (the process's SIGHUP
   * calls this): new handshakes use them at once, established connections are kept.
   *
   * @return one line per part reloaded
   * @throws ApiException INVALID_ARGUMENT with the reason when a file fails a check; nothing changed
   */
  public List<String> reload() {
    return reload.reload();
  }

  /**
   * What a reload re-reads: the files the ACL settings name (tokens, the replication token) and,
   * when TLS is configured, the TLS files. Everything is read and checked before anything is put in
   * force, so a refusal changes nothing.
   */
  private static AgentEndpoint.Reload reload(ServerConfig.Acl aclSettings, Acl acl, Optional<TlsReloader> tls) {
    return () -> {
      try {
        ServerConfig.Acl tokens = ServerConfigLoader.reloadAcl(aclSettings);
        List<String> done = new ArrayList<>();
        tls.ifPresent(t -> done.add("tls: " + t.reload()));
        acl.reload(tokens);
        done.add("acl: " + tokens.tokens().size() + " token" + (tokens.tokens().size() == 1 ? "" : "s")
            + " from the configuration, replication token " + (tokens.replicationToken().isEmpty() ? "not set" : "set"));
        return done;
      } catch (ConfigException e) {
        throw ApiException.invalid("reload refused, nothing changed: " + e.getMessage());
      }
    };
  }

  ActorSystem<?> system() {
    return system;
  }

  /** This server's internal RPC client: to servers of its DC by node, to other DCs through gateways. */
  public InternalRpc internalRpc() {
    return internalRpc;
  }

  public String httpAddress() {
    return hostPort(http);
  }

  public String grpcAddress() {
    return hostPort(grpc);
  }

  public int httpPort() {
    return http.localAddress().getPort();
  }

  public int grpcPort() {
    return grpc.localAddress().getPort();
  }

  /** The HTTPS API's address, when {@code meshfed.ports.https} is on. */
  public Optional<String> httpsAddress() {
    return https.map(MeshfedServer::hostPort);
  }

  /** The gRPC TLS API's address, when {@code meshfed.ports.grpc-tls} is on. */
  public Optional<String> grpcTlsAddress() {
    return grpcTls.map(MeshfedServer::hostPort);
  }

  /** The line printed when the server is ready; tests and scripts wait for its first words. */
  public String readyLine() {
    boolean up = Cluster.get(system).selfMember().status() == MemberStatus.up();
    return "meshfed server ready: node " + config.nodeName() + ", datacenter " + config.datacenter()
        + (config.isPrimary() ? " (primary)" : " (primary " + config.primaryDatacenter() + ")")
        + ", HTTP " + httpAddress() + httpsAddress().map(a -> ", HTTPS " + a).orElse("")
        + ", gRPC " + grpcAddress() + grpcTlsAddress().map(a -> ", gRPC TLS " + a).orElse("")
        + ", LAN " + config.advertiseAddress() + ":"
        + config.ports().lan() + ", data dir " + config.dataDir()
        + (config.ephemeralDataDir() ? " (temporary)" : "")
        + (up ? "" : "; waiting for the DC to form (bootstrap-expect " + config.bootstrapExpect() + ")");
  }

  /** The leader's routines with a test's faults around each instance (by routine name). */
  private static List<RoutineSpec> withFaults(FaultInjection faults, List<RoutineSpec> routines) {
    if (faults == FaultInjection.NONE) {
      return routines;
    }
    return routines.stream().map(r -> new RoutineSpec(r.name(),
        () -> faults.around(r.name(), r.behavior().get()), r.backoff())).toList();
  }

  /** Starts a long-lived actor under the guardian, replaced with backoff when it fails; its supervisor's reference. */
  private static <T> ActorRef<T> supervise(ActorSystem<ServerGuardian.Command> system, String name,
      Behavior<T> behavior) {
    CompletableFuture<ActorRef<T>> started = new CompletableFuture<>();
    system.tell(new ServerGuardian.StartSupervised<>(name, behavior, started));
    return await(started, "the " + name + " actor did not start");
  }

  /**
   * {@code close} (idempotent) in its phase of a stop, and again once the actor system has
   * terminated: a system that ends without its coordinated shutdown (a fatal error; a crash as the
   * tests make one) must not leave the server port's or the RPC client's threads behind.
   */
  private static void closeAtStop(ActorSystem<?> system, PendingCloses closes, String phase, String task,
      Runnable close) {
    onShutdown(system, phase, task, close);
    closes.afterStop(() -> CompletableFuture.runAsync(close));
  }

  private static void onShutdown(ActorSystem<?> system, String phase, String task, Runnable action) {
    CoordinatedShutdown.get(system).addTask(phase, task, () -> CompletableFuture.supplyAsync(() -> {
      action.run();
      return Done.getInstance();
    }));
  }

  private static CompletableFuture<Done> upInCluster(ActorSystem<?> system) {
    CompletableFuture<Done> up = new CompletableFuture<>();
    org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system))
        .registerOnMemberUp(() -> up.complete(Done.getInstance()));
    return up;
  }

  /** Unbinds the APIs, stops every actor, closes the journal; idempotent. */
  public CompletionStage<Done> stop() {
    return CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason())
        .thenCompose(done -> released);
  }

  /** Completes once the server has stopped, for whatever reason, and released its data dir. */
  public CompletionStage<Done> whenTerminated() {
    return released;
  }

  /**
   * When the first WAN join may go. Without TLS there is no locator and nothing to join (only a
   * primary starts without TLS, and the primary never joins). With the locator, once it has read
   * the store. A secondary federated through mesh gateways also waits for a gateway of its own
   * ({@link LocalGatewayWait}). With static-gateways the routes are set by hand, and the catalog
   * says nothing about them.
   */
  private static CompletionStage<Void> readyToJoinWan(ServerConfig config, boolean tls, GatewayLocatorView locator,
      StoreClient store, ActorSystem<?> system) {
    if (!tls) {
      return CompletableFuture.completedFuture(null);
    }
    if (!waitsForOwnGateway(config)) {
      return locator.whenPopulated();
    }
    CompletableFuture<Void> localGateway = LocalGatewayWait.start(store, system);
    onShutdown(system, CoordinatedShutdown.PhaseServiceUnbind(), "stop-local-gateway-wait",
        () -> localGateway.cancel(false));
    return locator.whenPopulated().thenCompose(populated -> localGateway);
  }

  private static boolean waitsForOwnGateway(ServerConfig config) {
    return !config.isPrimary() && !config.primaryGateways().isEmpty() && config.staticGateways().isEmpty();
  }

  /** What the join still waits for, in words, for the warning one retry interval after start. */
  private static String whyNotReadyToJoinWan(ServerConfig config) {
    return waitsForOwnGateway(config)
        ? "no mesh gateway of datacenter " + config.datacenter() + " is registered and passing, and other"
            + " datacenters reach this server only through one; register one (meshfed gateway --register) and"
            + " the join follows"
        : "the gateway locator has not read the local store yet (is this server up in its datacenter's cluster?)";
  }

  /**
   * Binds a client API; its listener is unbound when coordinated shutdown begins and its connections
   * are closed, with {@link #UNBIND_DEADLINE} for requests in progress, before the cluster is left.
   */
  private static ApiListener bind(ActorSystem<?> system, String host, int port, String what, String option,
      ConnectionLimits limits, ProtocolStack stack, ListenerStats stats, Optional<ApiTls> tls) {
    try {
      ApiListener listener = ApiListener.bind(system, what, host, port, limits, stack, stats, tls)
          .toCompletableFuture().get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
      shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "unbind-" + option, listener::unbind);
      shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "terminate-" + option,
          () -> listener.terminate(UNBIND_DEADLINE));
      return listener;
    } catch (ExecutionException e) {
      throw new ConfigException(PortCheck.cannotListen(host, port, what, option, e.getCause()));
    } catch (InterruptedException | TimeoutException e) {
      throw new ConfigException("cannot listen on " + host + ":" + port + " for the " + what + ": " + e);
    }
  }

  static JournalSettings journalSettings(ServerConfig config) {
    return switch (config.persistence().journal()) {
      case H2 -> JournalSettings.h2(config.dataDir());
      case POSTGRES -> JournalSettings.postgres(config.persistence().postgresUrl(),
          config.persistence().postgresUser(), config.persistence().postgresPassword());
    };
  }

  static String describe(ServerConfig config) {
    return switch (config.persistence().journal()) {
      case H2 -> "H2 in " + config.dataDir();
      case POSTGRES -> "PostgreSQL at " + config.persistence().postgresUrl();
    };
  }

  private static Config pekkoConfig(ServerConfig config, JournalSettings journal) {
    return ActorSettings.lan(config)
        .withFallback(ConfigFactory.parseResources(MeshfedServer.class, "/meshfed-server.conf"))
        .withFallback(journal.toConfig())
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  private static void prepareDataDir(ServerConfig config) {
    Path dir = config.dataDir();
    try {
      if (config.ephemeralDataDir() && dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        // a --dev server's data in the shared temp dir: readable by its owner only
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new ConfigException("meshfed.data-dir: cannot create " + dir + ": " + e.getMessage());
    }
    if (!Files.isWritable(dir)) {
      throw new ConfigException("meshfed.data-dir: " + dir + " is not writable");
    }
  }

  private static <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new ConfigException(what + ": " + ServerGuardian.rootMessage(e.getCause()));
    } catch (InterruptedException | TimeoutException e) {
      throw new ConfigException(what + " within " + STARTUP_TIMEOUT.toSeconds() + "s");
    }
  }

  private static void awaitQuietly(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      LOG.warn("the actor system did not stop within 30s: {}", e.toString());
    }
  }

  private static void deleteIfEphemeral(ServerConfig config) {
    if (!config.ephemeralDataDir()) {
      return;
    }
    try (Stream<Path> files = Files.walk(config.dataDir())) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete the temporary data dir {}: {}", config.dataDir(), e.getMessage());
    }
  }

  private static String hostPort(ApiListener l) {
    return l.localAddress().getAddress().getHostAddress() + ":" + l.localAddress().getPort();
  }
}
