package io.meshfed.actors.locator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.journal.JournalSettings;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import io.meshfed.protocol.names.WireConstants;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.pattern.StatusReply;
import org.awaitility.Awaitility;

/** A real DC store on H2 in a one-node cluster, and federation states to feed it. */
final class LocatorFixtures {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private LocatorFixtures() {}

  /** A cluster actor system on an H2 journal in {@code dir}; joined to itself when {@code join}. */
  static ActorTestKit system(String name, Path dir, boolean join) {
    Config config = ConfigFactory.parseString("""
            pekko.actor.provider = cluster
            pekko.remote.artery.canonical.hostname = 127.0.0.1
            pekko.remote.artery.canonical.port = 0
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            pekko.coordinated-shutdown.default-phase-timeout = 3s
            pekko.loglevel = WARNING
            pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
            pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
            """)
        .withFallback(JournalSettings.h2(dir).toConfig())
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create(name, config);
    JournalSchema.ensure(kit.system()).toCompletableFuture().join();
    if (join) {
      join(kit);
    }
    return kit;
  }

  static void join(ActorTestKit kit) {
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    Awaitility.await().atMost(TIMEOUT).until(() -> cluster.selfMember().status() == MemberStatus.up());
  }

  /** The local DC's store, reached the way servers reach it. */
  record Store(ActorTestKit kit, ActorRef<DcStore.Command> ref, StoreClient client) {
    static Store start(ActorTestKit kit, String datacenter) {
      ActorRef<DcStore.Command> ref = kit.spawn(DcStore.create(datacenter));
      return new Store(kit, ref, new StoreClient(ref, kit.system()));
    }

    void upsert(String dc, CheckServiceNode... gateways) {
      apply(FederationStateOp.UPSERT, new FederationState(dc, List.of(gateways), null, 0, 0, 0));
    }

    void delete(String dc) {
      apply(FederationStateOp.DELETE, new FederationState(dc, List.of(), null, 0, 0, 0));
    }

    private void apply(FederationStateOp op, FederationState state) {
      TestProbe<StatusReply<DcStore.WriteResult>> reply = kit.createTestProbe();
      ref.tell(new DcStore.ApplyFederationState(op, state, reply.ref()));
      StatusReply<DcStore.WriteResult> answer = reply.receiveMessage(TIMEOUT);
      if (answer.isError()) {
        throw new AssertionError("write failed: " + answer.getError().getMessage());
      }
    }
  }

  /**
   * An opted-in gateway: node address 10.9.9.9, service address {@code 10.0.0.x:8443} (lan), WAN
   * address {@code 203.0.113.x:443}; {@code checkStatus} on its one check.
   */
  static CheckServiceNode gateway(String node, int x, String checkStatus) {
    return gateway(node, "10.9.9.9", "10.0.0." + x, Map.of(NodeService.TAG_WAN,
        new ServiceAddress("203.0.113." + x, 443)), true, checkStatus);
  }

  static CheckServiceNode gateway(String node, int x) {
    return gateway(node, x, HealthCheck.PASSING);
  }

  static CheckServiceNode gateway(String node, String nodeAddress, String serviceAddress,
      Map<String, ServiceAddress> tagged, boolean optedIn, String checkStatus) {
    return gateway(node, nodeAddress, serviceAddress, 8443, tagged, optedIn, checkStatus);
  }

  /** An opted-in, passing gateway listening at {@code host:port} (LAN and WAN alike). */
  static CheckServiceNode gatewayAt(String node, String host, int port) {
    return gateway(node, host, host, port, Map.of(), true, HealthCheck.PASSING);
  }

  static CheckServiceNode gateway(String node, String nodeAddress, String serviceAddress, int port,
      Map<String, ServiceAddress> tagged, boolean optedIn, String checkStatus) {
    Map<String, String> meta = new HashMap<>();
    if (optedIn) {
      meta.put(WireConstants.META_WAN_FEDERATION, WireConstants.META_WAN_FEDERATION_ON);
    }
    NodeService service = new NodeService("mesh-gateway", "mesh-gateway", "mesh-gateway", List.of(), serviceAddress,
        port, meta, tagged);
    HealthCheck check = new HealthCheck(node, "gw-alive", "gateway alive", checkStatus, "", "", "mesh-gateway",
        "mesh-gateway", null);
    return new CheckServiceNode(new Node(node, nodeAddress, "", Map.of(), Map.of()), service, List.of(check));
  }
}
