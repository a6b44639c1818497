package io.meshfed.actors.federation;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.actors.forward.ReplicationSignal;
import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.journal.JournalSettings;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.names.WireConstants;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.awaitility.Awaitility;

/**
 * A one-node cluster (StoreClient refuses calls before its server is Up) with real DC stores on an
 * H2 journal; every store gets a unique DC name, hence its own persistenceId.
 */
final class FederationFixture {
  final ActorTestKit kit;

  private FederationFixture(ActorTestKit kit) {
    this.kit = kit;
  }

  static FederationFixture start(Path dataDir) {
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
        pekko.actor.serialize-messages = off
        pekko.loglevel = INFO
        """).withFallback(JournalSettings.h2(dataDir).toConfig()).withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create("federation-test", config);
    JournalSchema.ensure(kit.system()).toCompletableFuture().join();
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    Awaitility.await().atMost(Duration.ofSeconds(20))
        .until(() -> cluster.selfMember().status() == MemberStatus.up());
    return new FederationFixture(kit);
  }

  void stop() {
    kit.shutdownTestKit();
  }

  static String uniqueDc(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  StoreClient store(String dc) {
    return new StoreClient(kit.spawn(DcStore.create(dc)), kit.system());
  }

  // ---- synchronous store helpers ----

  static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static DcStore.QueryResult<List<FederationState>> list(StoreClient store) {
    return join(store.ask(reply -> new DcStore.ListFederationStates(0, Duration.ZERO, reply)));
  }

  static Map<String, FederationState> byDc(StoreClient store) {
    Map<String, FederationState> out = new java.util.TreeMap<>();
    list(store).value().forEach(s -> out.put(s.datacenter(), s));
    return out;
  }

  static FederationState get(StoreClient store, String dc) {
    return join(store.<DcStore.QueryResult<FederationState>>ask(reply ->
        new DcStore.GetFederationState(dc, 0, Duration.ZERO, reply))).value();
  }

  static long upsert(StoreClient store, FederationState state) {
    return join(store.<DcStore.WriteResult>ask(reply ->
        new DcStore.ApplyFederationState(FederationStateOp.UPSERT, state, reply))).index();
  }

  static void delete(StoreClient store, String dc) {
    join(store.<DcStore.WriteResult>ask(reply ->
        new DcStore.ApplyFederationState(FederationStateOp.DELETE, state(dc), reply)));
  }

  /** Registers a mesh gateway on its own node, with one service check of the given status. */
  static void registerGateway(StoreClient store, String dc, String node, int port, String status) {
    CheckServiceNode e = gateway(dc, node, port, status);
    join(store.<DcStore.WriteResult>ask(reply -> new DcStore.RegisterCatalog(e.node(), e.service(), e.checks(), reply)));
  }

  static CheckServiceNode gateway(String dc, String node, int port, String status) {
    return new CheckServiceNode(
        new Node(node, "10.0.0." + (port % 250), dc, Map.of(), Map.of()),
        new NodeService("mesh-gateway", "mesh-gateway", WireConstants.KIND_MESH_GATEWAY, List.of(), "", port,
            Map.of("meshfed-wan-federation", "1"), Map.of()),
        List.of(new HealthCheck(node, "gw-alive", "gateway alive", status, "", "", "mesh-gateway", "mesh-gateway")));
  }

  static FederationState state(String dc, CheckServiceNode... gateways) {
    return new FederationState(dc, List.of(gateways), null, 0, 0, 0);
  }

  /** A signal that reports every call to a probe: "started", "ok", "error: <message>", "stopped". */
  static ReplicationSignal signalTo(TestProbe<String> probe) {
    return new ReplicationSignal() {
      @Override
      public void replicationStarted() {
        probe.getRef().tell("started");
      }

      @Override
      public void replicationResult(Throwable error) {
        probe.getRef().tell(error == null ? "ok" : "error: " + error.getMessage());
      }

      @Override
      public void replicationStopped() {
        probe.getRef().tell("stopped");
      }
    };
  }
}
