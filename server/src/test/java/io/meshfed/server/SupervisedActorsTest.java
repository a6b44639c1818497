package io.meshfed.server;

import io.meshfed.actors.guardian.Supervisor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.meshfed.server.config.ServerConfigLoader;
import io.meshfed.actors.locator.GatewayLocator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAN membership and the gateway locator of a running server fail, as a bug in their code
 * would make them, and come back: the server's WAN membership gossips with its peers again, and
 * its gateway locator follows the store again. Two single-server DCs with TLS and fast SWIM
 * timings, as in {@link WanMembershipTest}: dc2 joins dc1 through primary-gateways, which name
 * dc1's server port (where a gateway would splice the connection to).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SupervisedActorsTest {
  @TempDir static Path dir;
  TlsFederation fed;
  final Faults dc1Faults = new Faults();
  final Faults dc2Faults = new Faults();
  MeshfedServer dc1;
  MeshfedServer dc2;

  @BeforeAll
  void start() throws Exception {
    fed = new TlsFederation(dir, List.of("dc1", "dc2", "dc3"));
    dc1 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc1", "dc1", "n1",
        Map.of("static-gateways.dc2", List.of(fed.gateway("dc2")), "static-gateways.dc3", List.of(fed.gateway("dc3"))))),
        ConfigFactory.empty(), dc1Faults);
    dc2 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc2", "dc1", "n2",
        Map.of("primary-gateways", List.of(fed.gateway("dc1")), "static-gateways.dc3", List.of(fed.gateway("dc3"))))),
        ConfigFactory.empty(), dc2Faults);
    for (MeshfedServer server : List.of(dc1, dc2)) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(statuses(server))
          .isEqualTo(Map.of("n1.dc1", "alive", "n2.dc2", "alive")));
    }
  }

  @AfterAll
  void stop() throws Exception {
    TestServers.stop(dc2);
    TestServers.stop(dc1);
  }

  /**
   * dc2's WAN membership fails; then dc3 joins through dc1. dc2 can only learn of dc3 by gossip
   * with a WAN membership that runs again, and dc1 and dc3 see dc2 alive only if its new
   * membership answers their probes, which reach it through the server port's receivers.
   */
  @Test
  @Order(1)
  void theWanMembershipComesBackAfterAFailure() throws Exception {
    try (TestLogs logs = TestLogs.warnings()) {
      Set<String> threadsBefore = gossipThreads();
      dc2Faults.failNextMessage(MeshfedServer.WAN_MEMBERSHIP);
      await().atMost(Duration.ofSeconds(10)).until(() -> dc2Faults.failures(MeshfedServer.WAN_MEMBERSHIP) == 1);
      // The failed instance's gossip clients are closed, not left behind: their two threads end
      // (each instance has its own, named by a pool number that is never reused).
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        Set<String> ended = new TreeSet<>(threadsBefore);
        ended.removeAll(gossipThreads());
        assertThat(ended).hasSize(2);
      });

      MeshfedServer dc3 = MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, fed.options("dc3", "dc1",
          "n3", Map.of("static-gateways.dc1", List.of(fed.gateway("dc1")),
              "static-gateways.dc2", List.of(fed.gateway("dc2"))))));
      try {
        for (MeshfedServer server : List.of(dc2, dc1, dc3)) {
          await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(statuses(server))
              .as(server.config().datacenter())
              .isEqualTo(Map.of("n1.dc1", "alive", "n2.dc2", "alive", "n3.dc3", "alive")));
        }
      } finally {
        TestServers.stop(dc3);
      }
      assertThat(logs.lines()).filteredOn(line -> line.contains("injected")).singleElement().asString()
          .startsWith("ERROR " + Supervisor.class.getName() + " - actor /user/wan-membership/wan-membership-1 failed,"
              + " restarting it with backoff: java.lang.IllegalStateException: injected failure of wan-membership");
    }
  }

  /**
   * dc1's gateway locator fails on the change that registers a mesh gateway of dc1; the locator
   * that replaces it reads the store afresh and publishes the gateway. Last, and removed after: the
   * "gateway" is dc1's own server port, which cannot splice dc1's dials to other DCs as a real one would.
   */
  @Test
  @Order(2)
  void theGatewayLocatorComesBackAfterAFailure() throws Exception {
    String gatewayAddress = fed.gateway("dc1");
    try (TestLogs logs = TestLogs.warnings()) {
      assertThat(locator(dc1).get("LocalGateways")).isEmpty();
      dc1Faults.failNextMessage(GatewayLocator.NAME);
      String gateway = """
          {"Node":"gw1","Address":"127.0.0.1",
           "Service":{"Service":"mesh-gateway","Kind":"mesh-gateway","Port":%d,"Meta":{"meshfed-wan-federation":"1"}},
           "Check":{"CheckID":"gw1-alive","Name":"alive","Status":"passing","ServiceID":"mesh-gateway"}}
          """.formatted(fed.serverPort("dc1"));
      assertThat(TestServers.put(dc1, "/v1/catalog/register", gateway, null).statusCode()).isEqualTo(200);
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> dc1Faults.failures(GatewayLocator.NAME) == 1);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          JsonNode view = locator(dc1);
          assertThat(view.get("LocalGateways")).extracting(JsonNode::asText).containsExactly(gatewayAddress);
          assertThat(view.get("PrimaryGateways")).extracting(JsonNode::asText).containsExactly(gatewayAddress);
        });
      } finally {
        assertThat(TestServers.put(dc1, "/v1/catalog/deregister", "{\"Node\":\"gw1\"}", null).statusCode())
            .isEqualTo(200);
      }
      assertThat(logs.lines()).filteredOn(line -> line.contains("injected")).singleElement().asString()
          .startsWith("ERROR " + Supervisor.class.getName() + " - actor /user/gateway-locator/gateway-locator-1 failed,"
              + " restarting it with backoff: java.lang.IllegalStateException: injected failure of gateway-locator");
    }
  }

  /** Makes a named actor throw while it handles its next message, once per call. */
  static final class Faults implements FaultInjection {
    private final Map<String, AtomicInteger> armed = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> fired = new ConcurrentHashMap<>();

    void failNextMessage(String actor) {
      counter(armed, actor).incrementAndGet();
    }

    int failures(String actor) {
      return counter(fired, actor).get();
    }

    private static AtomicInteger counter(Map<String, AtomicInteger> counters, String actor) {
      return counters.computeIfAbsent(actor, a -> new AtomicInteger());
    }

    @Override
    public <T> Behavior<T> around(String actor, Behavior<T> behavior) {
      return Behaviors.intercept(() -> new Thrower<>(actor), behavior);
    }

    private final class Thrower<T> extends BehaviorInterceptor<T, T> {
      private final String actor;

      @SuppressWarnings("unchecked")
      Thrower(String actor) {
        super((Class<T>) Object.class);
        this.actor = actor;
      }

      @Override
      public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
        if (counter(armed, actor).getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          counter(fired, actor).incrementAndGet();
          throw new IllegalStateException("injected failure of " + actor);
        }
        return target.apply(ctx, msg);
      }
    }
  }

  private static Set<String> gossipThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("meshfed-gossip-")).collect(Collectors.toCollection(TreeSet::new));
  }

  private static JsonNode locator(MeshfedServer server) throws Exception {
    return TestServers.json(TestServers.get(server, "/v1/agent/gateway-locator", null));
  }

  private static Map<String, String> statuses(MeshfedServer server) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode m : TestServers.json(TestServers.get(server, "/v1/agent/members?wan=1", null))) {
      out.put(m.get("Name").asText(), m.get("Status").asText());
    }
    return out;
  }
}
