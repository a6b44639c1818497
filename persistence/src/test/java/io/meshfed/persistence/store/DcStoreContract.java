package io.meshfed.persistence.store;

import static io.meshfed.persistence.store.Fixtures.federationState;
import static io.meshfed.persistence.store.Fixtures.gateway;
import static io.meshfed.persistence.store.Fixtures.gatewayEntry;
import static io.meshfed.persistence.store.Fixtures.node;
import static io.meshfed.persistence.store.Fixtures.nodeCheck;
import static io.meshfed.persistence.store.Fixtures.policy;
import static io.meshfed.persistence.store.Fixtures.service;
import static io.meshfed.persistence.store.Fixtures.serviceCheck;
import static io.meshfed.persistence.store.Fixtures.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.journal.JournalSettings;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The store's behaviour on a real journal; subclasses choose the database. Every test uses its
 * own datacenter, hence its own persistenceId, so that tests sharing a database do not interfere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DcStoreContract {
  private ActorTestKit testKit;
  private StoreClient client;
  private String dc;

  /** The journal to run against; may abort the test with an assumption. */
  abstract JournalSettings journal();

  private Config config() {
    return journal().toConfig().withFallback(ConfigFactory.load());
  }

  private ActorTestKit startSystem(String name) {
    ActorTestKit kit = ActorTestKit.create(name, config());
    JournalSchema.ensure(kit.system()).toCompletableFuture().join();
    return kit;
  }

  @AfterAll
  void stopActorSystem() {
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
  }

  /**
   * Starts the shared system on first use rather than in a {@code @BeforeAll}, so that an unmet
   * assumption in {@link #journal()} marks each test as skipped, with its reason, in the report.
   */
  @BeforeEach
  void spawnStore() {
    if (testKit == null) {
      testKit = startSystem("store-test");
    }
    dc = uniqueDc();
    client = new StoreClient(testKit, dc);
  }

  private static String uniqueDc() {
    return "dc-" + UUID.randomUUID().toString().substring(0, 13);
  }

  // ---- federation states ----

  @Test
  void emptyStoreReportsIndexOne() {
    assertThat(client.get("dc2")).isEqualTo(new DcStore.FederationStateResult(1, null));
    assertThat(client.listStates()).isEqualTo(new DcStore.FederationStatesResult(1, List.of()));
    assertThat(client.meshGateways()).isEqualTo(new DcStore.MeshGatewaysResult(1, Map.of()));
    assertThat(client.services("", "")).isEqualTo(new DcStore.ServicesResult(1, List.of()));
  }

  @Test
  void upsertAssignsIndexesAndKeepsCreateIndex() {
    // The empty store is at index 1, so the first write produces 2.
    assertThat(client.upsert(federationState("dc2", gatewayEntry("gw1", 443))).getValue())
        .isEqualTo(new WriteResult(2, true));
    QueryResult<FederationState> read = client.get("dc2");
    assertThat(read.index()).isEqualTo(2);
    FederationState first = read.value();
    assertThat(first.createIndex()).isEqualTo(2);
    assertThat(first.modifyIndex()).isEqualTo(2);
    assertThat(first.primaryModifyIndex()).isEqualTo(2);

    assertThat(client.ok(client.upsert(federationState("dc3")))).isEqualTo(3);
    assertThat(client.ok(client.upsert(federationState("dc2", gatewayEntry("gw2", 444))))).isEqualTo(4);
    FederationState second = client.get("dc2").value();
    assertThat(second.createIndex()).isEqualTo(2);
    assertThat(second.modifyIndex()).isEqualTo(4);
    assertThat(second.primaryModifyIndex()).isEqualTo(4);
    assertThat(second.meshGateways()).containsExactly(gatewayEntry("gw2", 444));
    assertThat(client.get("dc2").index()).isEqualTo(4);
  }

  @Test
  void nonZeroPrimaryModifyIndexIsKept() {
    FederationState replicated = federationState("dc2").withIndexes(77, 70, 77);
    assertThat(client.ok(client.upsert(replicated))).isEqualTo(2);
    FederationState stored = client.get("dc2").value();
    assertThat(stored.primaryModifyIndex()).isEqualTo(77);
    assertThat(stored.createIndex()).isEqualTo(2);
    assertThat(stored.modifyIndex()).isEqualTo(2);
  }

  @Test
  void updatedAtIsSetWhenMissingAndKeptWhenGiven() {
    Instant before = Instant.now();
    client.ok(client.upsert(federationState("dc2")));
    assertThat(client.get("dc2").value().updatedAt()).isBetween(before, Instant.now());

    Instant given = Instant.parse("2020-01-02T03:04:05.123456789Z");
    client.ok(client.upsert(federationState("dc3").withUpdatedAt(given)));
    assertThat(client.get("dc3").value().updatedAt()).isEqualTo(given);
  }

  @Test
  void datacenterKeyIsCaseInsensitive() {
    client.ok(client.upsert(federationState("dc2")));
    assertThat(client.get("DC2").value().datacenter()).isEqualTo("dc2");
    assertThat(client.get("Dc2").value()).isNotNull();
    client.ok(client.upsert(federationState("dc2")));
    assertThat(client.listStates().value()).extracting(FederationState::datacenter).containsExactly("dc2");
    assertThat(client.get("DC2").value().createIndex()).isEqualTo(2);
    assertThat(client.get("DC2").value().modifyIndex()).isEqualTo(3);
    assertThat(client.delete("dC2").getValue()).isEqualTo(new WriteResult(4, true));
    assertThat(client.get("dc2").value()).isNull();
  }

  @Test
  void upsertWithoutDatacenterIsRejected() {
    StatusReply<WriteResult> reply = client.upsert(federationState(""));
    assertThat(reply.isError()).isTrue();
    assertThat(reply.getError().getMessage()).isEqualTo("missing datacenter on federation state");
    // Nothing was written: the table still reports 1, and the first write is 2.
    assertThat(client.listStates().index()).isEqualTo(1);
    assertThat(client.ok(client.upsert(federationState("dc2")))).isEqualTo(2);
  }

  @Test
  void missingStateOrOperationIsRejected() {
    assertThat(errorOf(client.upsert(null))).isEqualTo("missing federation state");
    TestProbe<StatusReply<WriteResult>> probe = testKit.createTestProbe();
    client.store.tell(new DcStore.ApplyFederationState(null, federationState("dc2"), probe.ref()));
    assertThat(errorOf(probe.receiveMessage(StoreClient.TIMEOUT)))
        .isEqualTo("missing federation state operation: use upsert or delete");
    assertThat(errorOf(client.delete(""))).isEqualTo("missing datacenter on federation state");
  }

  @Test
  void deleteOfAbsentStateChangesNothing() {
    client.ok(client.upsert(federationState("dc2")));
    assertThat(client.delete("dc9").getValue()).isEqualTo(new WriteResult(2, false));
    assertThat(client.delete("dc2").getValue()).isEqualTo(new WriteResult(3, true));
    assertThat(client.delete("dc2").getValue()).isEqualTo(new WriteResult(3, false));
    assertThat(client.listStates()).isEqualTo(new DcStore.FederationStatesResult(3, List.of()));
  }

  @Test
  void aDecommissionDeletesTheStateAndRefusesItsUpsertsUntilRecommissioned() {
    Instant at = Instant.parse("2026-12-03T22:00:00Z");
    client.ok(client.upsert(federationState("dc2")));
    client.ok(client.upsert(federationState("dc3")));
    assertThat(client.decommission("DC2", at).getValue()).isEqualTo(new WriteResult(4, true));
    assertThat(client.listStates()).isEqualTo(new DcStore.FederationStatesResult(4,
        List.of(client.get("dc3").value())));
    assertThat(client.decommissioned()).isEqualTo(new DcStore.DecommissionedResult(4,
        List.of(new DcStore.Decommissioned("DC2", at))));
    assertThat(client.decommission("dc2", at.plusSeconds(1)).getValue())
        .as("a second decommission changes nothing, not even its time").isEqualTo(new WriteResult(4, false));
    assertThat(errorOf(client.upsert(federationState("dc2")))).isEqualTo("federation state refused: datacenter DC2"
        + " was decommissioned at 2026-12-03T22:00:00Z; to accept it again run"
        + " `meshfed federation-state recommission DC2`");
    assertThat(client.listStates().value()).extracting(FederationState::datacenter).containsExactly("dc3");
    // Deleting is allowed (there is nothing to delete), and other DCs are untouched.
    assertThat(client.delete("dc2").getValue()).isEqualTo(new WriteResult(4, false));
    client.ok(client.upsert(federationState("dc3")));

    assertThat(client.recommission("dc9").getValue()).isEqualTo(new WriteResult(5, false));
    assertThat(client.recommission("dc2").getValue()).isEqualTo(new WriteResult(6, true));
    assertThat(client.decommissioned().value()).isEmpty();
    assertThat(client.listStates().value()).extracting(FederationState::datacenter)
        .as("a recommission writes nothing back").containsExactly("dc3");
    assertThat(client.ok(client.upsert(federationState("dc2")))).isEqualTo(7);
  }

  @Test
  void aDecommissionOfADcWithoutStateDoesNotWakeFederationStateReaders() {
    client.ok(client.upsert(federationState("dc2")));
    client.ok(client.decommission("dc7", Instant.parse("2026-12-03T22:00:00Z")));
    assertThat(client.listStates().index()).as("the table's index").isEqualTo(2);
    assertThat(errorOf(client.decommission("", Instant.now()))).isEqualTo("missing datacenter to decommission");
    assertThat(errorOf(client.recommission(""))).isEqualTo("missing datacenter to recommission");
  }

  @Test
  void noOpWritesOnAnEmptyStoreAnswerIndexOne() {
    assertThat(client.delete("dc9").getValue()).isEqualTo(new WriteResult(1, false));
    assertThat(client.deregister("n1", null, null).getValue()).isEqualTo(new WriteResult(1, false));
    assertThat(client.deregister("n1", "web", null).getValue()).isEqualTo(new WriteResult(1, false));
    assertThat(client.deregister("n1", null, "serfHealth").getValue()).isEqualTo(new WriteResult(1, false));
    assertThat(client.listStates()).isEqualTo(new DcStore.FederationStatesResult(1, List.of()));
    assertThat(client.services("", "")).isEqualTo(new DcStore.ServicesResult(1, List.of()));
    // The no-ops did not advance the index: the first real write is still 2.
    assertThat(client.upsert(federationState("dc2")).getValue()).isEqualTo(new WriteResult(2, true));
  }

  @Test
  void listsAreSortedByDatacenterAndGatewaysSkipEmptyStates() {
    client.ok(client.upsert(federationState("dc3", gatewayEntry("gw3", 443))));
    client.ok(client.upsert(federationState("dc1")));
    client.ok(client.upsert(federationState("dc2", gatewayEntry("gw2", 443))));
    assertThat(client.listStates().value()).extracting(FederationState::datacenter)
        .containsExactly("dc1", "dc2", "dc3");
    QueryResult<Map<String, List<CheckServiceNode>>> gateways = client.meshGateways();
    assertThat(gateways.index()).isEqualTo(4);
    assertThat(gateways.value().keySet()).containsExactly("dc2", "dc3");
    assertThat(gateways.value().get("dc3")).containsExactly(gatewayEntry("gw3", 443));
  }

  // ---- catalog ----

  @Test
  void registerAndListByNameKindAndAll() {
    client.ok(client.register(node("b-node"), service("web-2", "web"),
        nodeCheck("serfHealth", HealthCheck.PASSING), serviceCheck("web-alive", "web-2", HealthCheck.WARNING)));
    client.ok(client.register(node("a-node"), service("web-1", "web")));
    client.ok(client.register(node("a-node"), service("db", "db")));
    client.ok(client.register(node("gw-node"), gateway("gw", 443)));

    QueryResult<List<CheckServiceNode>> web = client.services("web", "");
    assertThat(web.index()).isEqualTo(5);
    assertThat(web.value()).extracting(c -> c.node().node() + "/" + c.service().id())
        .containsExactly("a-node/web-1", "b-node/web-2");
    CheckServiceNode b = web.value().get(1);
    assertThat(b.checks()).extracting(HealthCheck::checkId).containsExactly("serfHealth", "web-alive");
    assertThat(b.checks()).allSatisfy(c -> assertThat(c.node()).isEqualTo("b-node"));
    assertThat(b.checks().get(1).serviceName()).isEqualTo("web");
    assertThat(b.checks().get(1).status()).isEqualTo(HealthCheck.WARNING);

    assertThat(client.services("", "mesh-gateway").value())
        .extracting(c -> c.service().id()).containsExactly("gw");
    assertThat(client.services("web", "mesh-gateway").value())
        .extracting(c -> c.service().id()).containsExactly("gw");
    assertThat(client.services("", "").value())
        .extracting(c -> c.node().node() + "/" + c.service().id())
        .containsExactly("a-node/db", "a-node/web-1", "b-node/web-2", "gw-node/gw");
    assertThat(client.services(null, null).value()).hasSize(4);
    assertThat(client.services("nothing", "").value()).isEmpty();
  }

  @Test
  void serviceIdDefaultsToName() {
    client.ok(client.register(node("n1"), service(null, "web")));
    assertThat(client.services("web", "").value().get(0).service().id()).isEqualTo("web");
  }

  @Test
  void reRegisteringReplacesNodeFieldsAndKeepsItsServices() {
    client.ok(client.register(node("n1"), service("web", "web")));
    Node moved = new Node("N1", "10.0.0.9", "dc1", Map.of(), Map.of());
    assertThat(client.ok(client.register(moved, null))).isEqualTo(3);
    CheckServiceNode entry = client.services("web", "").value().get(0);
    assertThat(entry.node()).isEqualTo(moved);
  }

  @Test
  void identicalRegistrationChangesNothing() {
    client.ok(client.register(node("n1"), service("web", "web"), nodeCheck("serfHealth", HealthCheck.PASSING)));
    assertThat(client.register(node("n1"), service("web", "web"), nodeCheck("serfHealth", HealthCheck.PASSING))
        .getValue()).isEqualTo(new WriteResult(2, false));
  }

  @Test
  void invalidRegistrationsAreRejectedWithTheirReason() {
    Node noAddress = new Node("n1", "", "dc1", Map.of(), Map.of());
    Node badMeta = new Node("n1", "10.0.0.1", "dc1", Map.of(), Map.of("bad key", "v"));
    NodeService badServiceMeta = new NodeService("web", "web", "", List.of(), "", 80, Map.of("", "v"), Map.of());
    assertThat(errorOf(client.register(null, null))).isEqualTo("missing node in catalog registration");
    assertThat(errorOf(client.register(node("bad/name"), null)))
        .isEqualTo("invalid node name 'bad/name': it must not contain '/'");
    assertThat(errorOf(client.register(node(""), null))).isEqualTo("node name is empty");
    assertThat(errorOf(client.register(noAddress, null))).isEqualTo("missing address on node 'n1'");
    assertThat(errorOf(client.register(badMeta, null)))
        .isEqualTo("node meta: key 'bad key' may only hold letters, digits, '_' and '-'");
    assertThat(errorOf(client.register(node("n1"), service("", ""))))
        .isEqualTo("service name is required");
    assertThat(errorOf(client.register(node("n1"), badServiceMeta))).isEqualTo("service meta: a key is empty");
    assertThat(errorOf(client.register(node("n1"), null, nodeCheck("c1", "broken"))))
        .isEqualTo("invalid check status 'broken': use passing, warning or critical");
    assertThat(errorOf(client.register(node("n1"), null, nodeCheck("", HealthCheck.PASSING))))
        .isEqualTo("check ID is required (node 'n1')");
    assertThat(errorOf(client.register(node("n1"), service("web", "web"),
        serviceCheck("db-alive", "db", HealthCheck.PASSING))))
        .isEqualTo("check 'db-alive' refers to service 'db', which is not registered on node 'n1'");
    // Rejections write nothing: the catalog is still the empty table at 1.
    assertThat(client.services("", "")).isEqualTo(new DcStore.ServicesResult(1, List.of()));

    assertThat(client.ok(client.register(node("n1"), service("db", "db")))).isEqualTo(2);
    assertThat(client.ok(client.register(node("n1"), null, serviceCheck("db-alive", "db", HealthCheck.PASSING))))
        .isEqualTo(3);
    assertThat(client.services("db", "").value().get(0).checks()).extracting(HealthCheck::checkId)
        .containsExactly("db-alive");
  }

  @Test
  void checkWithoutStatusStartsCritical() {
    client.ok(client.register(node("n1"), service("web", "web"), nodeCheck("serfHealth", null)));
    assertThat(client.services("web", "").value().get(0).checks().get(0).status())
        .isEqualTo(HealthCheck.CRITICAL);
  }

  @Test
  void deregisterCheckServiceAndNode() {
    client.ok(client.register(node("n1"), service("web", "web"),
        nodeCheck("serfHealth", HealthCheck.PASSING), serviceCheck("web-alive", "web", HealthCheck.PASSING)));
    client.ok(client.register(node("n1"), service("api", "api"), serviceCheck("api-alive", "api", HealthCheck.PASSING)));

    assertThat(client.deregister("n1", null, "serfHealth").getValue()).isEqualTo(new WriteResult(4, true));
    assertThat(client.services("web", "").value().get(0).checks()).extracting(HealthCheck::checkId)
        .containsExactly("web-alive");

    assertThat(client.deregister("n1", "web", null).getValue()).isEqualTo(new WriteResult(5, true));
    assertThat(client.services("web", "").value()).isEmpty();
    assertThat(client.services("api", "").value().get(0).checks()).extracting(HealthCheck::checkId)
        .containsExactly("api-alive");
    // The web service's check went with it: re-adding the service does not bring it back.
    client.ok(client.register(node("n1"), service("web", "web")));
    assertThat(client.services("web", "").value().get(0).checks()).isEmpty();

    assertThat(client.deregister("N1", "", "").getValue()).isEqualTo(new WriteResult(7, true));
    assertThat(client.services("", "")).isEqualTo(new DcStore.ServicesResult(7, List.of()));
  }

  @Test
  void deregisterOfAbsentThingsChangesNothing() {
    client.ok(client.register(node("n1"), service("web", "web")));
    assertThat(client.deregister("n2", null, null).getValue()).isEqualTo(new WriteResult(2, false));
    assertThat(client.deregister("n1", "nope", null).getValue()).isEqualTo(new WriteResult(2, false));
    assertThat(client.deregister("n1", null, "nope").getValue()).isEqualTo(new WriteResult(2, false));
    assertThat(errorOf(client.deregister("", null, null))).isEqualTo("node name is empty");
    assertThat(client.services("", "").index()).isEqualTo(2);
  }

  @Test
  void updateCheck() {
    client.ok(client.register(node("n1"), service("web", "web"), serviceCheck("web-alive", "web", HealthCheck.PASSING)));
    assertThat(client.updateCheck("n1", "web-alive", HealthCheck.CRITICAL, "connection refused").getValue())
        .isEqualTo(new WriteResult(3, true));
    HealthCheck check = client.services("web", "").value().get(0).checks().get(0);
    assertThat(check.status()).isEqualTo(HealthCheck.CRITICAL);
    assertThat(check.output()).isEqualTo("connection refused");
    assertThat(client.updateCheck("n1", "web-alive", HealthCheck.CRITICAL, "connection refused").getValue())
        .isEqualTo(new WriteResult(3, false));

    assertThat(errorOf(client.updateCheck("n1", "nope", HealthCheck.PASSING, "")))
        .isEqualTo("check 'nope' not found on node 'n1'");
    assertThat(errorOf(client.updateCheck("n9", "web-alive", HealthCheck.PASSING, "")))
        .isEqualTo("check 'web-alive' not found on node 'n9'");
    assertThat(errorOf(client.updateCheck("n1", "web-alive", "ok", "")))
        .isEqualTo("invalid check status 'ok': use passing, warning or critical");
    assertThat(client.services("web", "").index()).isEqualTo(3);
  }

  @Test
  void oneStoreIndexAcrossTables() {
    assertThat(client.ok(client.upsert(federationState("dc2")))).isEqualTo(2);
    // The catalog is still empty and reports 1, though the store is at 2.
    assertThat(client.services("", "").index()).isEqualTo(1);
    assertThat(client.ok(client.register(node("n1"), service("web", "web")))).isEqualTo(3);
    assertThat(client.ok(client.upsert(federationState("dc3")))).isEqualTo(4);
    assertThat(client.listStates().index()).isEqualTo(4);
    assertThat(client.services("", "").index()).isEqualTo(3);
    assertThat(client.ok(client.register(node("n2"), null))).isEqualTo(5);
    assertThat(client.listStates().index()).isEqualTo(4);
    assertThat(client.services("", "").index()).isEqualTo(5);
  }

  // ---- blocking reads ----

  @Test
  void parkedReadIsWokenPromptlyByAWriteToItsTable() {
    assertThat(client.ok(client.upsert(federationState("dc2")))).isEqualTo(2);
    TestProbe<StatusReply<QueryResult<List<FederationState>>>> reader = testKit.createTestProbe();
    client.store.tell(new DcStore.ListFederationStates(2, Duration.ofMillis(400), reader.ref()));
    reader.expectNoMessage(Duration.ofMillis(100));

    long start = System.nanoTime();
    client.ok(client.upsert(federationState("dc3")));
    QueryResult<List<FederationState>> result = reader.receiveMessage(Duration.ofSeconds(2)).getValue();
    Duration latency = Duration.ofNanos(System.nanoTime() - start);

    assertThat(result.index()).isEqualTo(3);
    assertThat(result.value()).hasSize(2);
    assertThat(latency).isLessThan(Duration.ofSeconds(2));
    // Its timer was cancelled: the read is not answered a second time when its wait ends.
    reader.expectNoMessage(Duration.ofMillis(500));
  }

  /**
   * An empty table reports 1, so a client's first blocking read parks at 1. The store's first
   * write produces 2 and must wake it at once (were the first write 1, the read would sleep out
   * its whole wait and miss it).
   */
  @Test
  void firstWriteToAnEmptyStoreWakesAReadParkedAtIndexOne() {
    TestProbe<StatusReply<QueryResult<List<FederationState>>>> states = testKit.createTestProbe();
    client.store.tell(new DcStore.ListFederationStates(1, Duration.ofMinutes(1), states.ref()));
    states.expectNoMessage(Duration.ofMillis(100));

    assertThat(client.upsert(federationState("dc2")).getValue()).isEqualTo(new WriteResult(2, true));
    QueryResult<List<FederationState>> woken = states.receiveMessage(Duration.ofSeconds(2)).getValue();
    assertThat(woken.index()).isEqualTo(2);
    assertThat(woken.value()).extracting(FederationState::datacenter).containsExactly("dc2");
    assertThat(woken.value().get(0).modifyIndex()).isEqualTo(2);
    states.expectNoMessage(Duration.ofMillis(100));

    // The same for the catalog, on another empty store.
    StoreClient other = new StoreClient(testKit, uniqueDc());
    TestProbe<StatusReply<QueryResult<List<CheckServiceNode>>>> services = testKit.createTestProbe();
    other.store.tell(new DcStore.ListServices("", "", 1, Duration.ofMinutes(1), services.ref()));
    services.expectNoMessage(Duration.ofMillis(100));

    assertThat(other.register(node("n1"), service("web", "web")).getValue()).isEqualTo(new WriteResult(2, true));
    QueryResult<List<CheckServiceNode>> registered = services.receiveMessage(Duration.ofSeconds(2)).getValue();
    assertThat(registered.index()).isEqualTo(2);
    assertThat(registered.value()).extracting(c -> c.service().id()).containsExactly("web");
  }

  @Test
  void everyKindOfParkedReadIsWoken() {
    // Parked at 1, the index both empty tables report: each table's first write must wake them.
    TestProbe<StatusReply<QueryResult<FederationState>>> get = testKit.createTestProbe();
    TestProbe<StatusReply<QueryResult<Map<String, List<CheckServiceNode>>>>> gateways = testKit.createTestProbe();
    TestProbe<StatusReply<QueryResult<List<CheckServiceNode>>>> services = testKit.createTestProbe();
    client.store.tell(new DcStore.GetFederationState("dc2", 1, Duration.ofMinutes(1), get.ref()));
    client.store.tell(new DcStore.ListMeshGateways(1, Duration.ofMinutes(1), gateways.ref()));
    client.store.tell(new DcStore.ListServices("web", "", 1, Duration.ofMinutes(1), services.ref()));

    assertThat(client.ok(client.upsert(federationState("dc2", gatewayEntry("gw1", 443))))).isEqualTo(2);
    QueryResult<FederationState> state = get.receiveMessage(Duration.ofSeconds(2)).getValue();
    assertThat(state.index()).isEqualTo(2);
    assertThat(state.value().datacenter()).isEqualTo("dc2");
    QueryResult<Map<String, List<CheckServiceNode>>> gws = gateways.receiveMessage(Duration.ofSeconds(2)).getValue();
    assertThat(gws.index()).isEqualTo(2);
    assertThat(gws.value()).containsOnlyKeys("dc2");
    // The catalog was not written: it still reports 1, so its read stays parked.
    services.expectNoMessage(Duration.ofMillis(100));

    assertThat(client.ok(client.register(node("n1"), service("web", "web")))).isEqualTo(3);
    QueryResult<List<CheckServiceNode>> woken = services.receiveMessage(Duration.ofSeconds(2)).getValue();
    assertThat(woken.index()).isEqualTo(3);
    assertThat(woken.value()).hasSize(1);
  }

  @Test
  void parkedReadIsAnsweredAfterItsWaitWithTheSameIndex() {
    assertThat(client.ok(client.register(node("n1"), service("web", "web")))).isEqualTo(2);
    TestProbe<StatusReply<QueryResult<List<CheckServiceNode>>>> reader = testKit.createTestProbe();
    long start = System.nanoTime();
    client.store.tell(new DcStore.ListServices("web", "", 2, Duration.ofMillis(300), reader.ref()));
    QueryResult<List<CheckServiceNode>> result = reader.receiveMessage(Duration.ofSeconds(5)).getValue();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertThat(result.index()).isEqualTo(2);
    assertThat(result.value()).hasSize(1);
    assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void writeToTheOtherTableDoesNotWakeAParkedRead() {
    TestProbe<StatusReply<QueryResult<List<CheckServiceNode>>>> reader = testKit.createTestProbe();
    long start = System.nanoTime();
    client.store.tell(new DcStore.ListServices("", "", 1, Duration.ofMillis(600), reader.ref()));
    client.ok(client.upsert(federationState("dc2")));
    client.ok(client.upsert(federationState("dc3")));
    QueryResult<List<CheckServiceNode>> result = reader.receiveMessage(Duration.ofSeconds(5)).getValue();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    assertThat(result).isEqualTo(new DcStore.ServicesResult(1, List.of()));
  }

  @Test
  void readAboveTheCurrentIndexIsParkedAndAnOlderIndexIsAnsweredAtOnce() {
    client.ok(client.upsert(federationState("dc2")));
    assertThat(client.ok(client.upsert(federationState("dc3")))).isEqualTo(3);
    TestProbe<StatusReply<QueryResult<List<FederationState>>>> reader = testKit.createTestProbe();
    client.store.tell(new DcStore.ListFederationStates(2, Duration.ofMinutes(1), reader.ref()));
    assertThat(reader.receiveMessage(Duration.ofSeconds(2)).getValue().index()).isEqualTo(3);

    // Parked at 5, above the current 3: woken by the first index above 5, not by 4 or 5.
    client.store.tell(new DcStore.ListFederationStates(5, Duration.ofMinutes(1), reader.ref()));
    assertThat(client.ok(client.upsert(federationState("dc4")))).isEqualTo(4);
    reader.expectNoMessage(Duration.ofMillis(100));
    assertThat(client.ok(client.upsert(federationState("dc5")))).isEqualTo(5);
    reader.expectNoMessage(Duration.ofMillis(100));
    assertThat(client.ok(client.upsert(federationState("dc6")))).isEqualTo(6);
    QueryResult<List<FederationState>> woken = reader.receiveMessage(Duration.ofSeconds(2)).getValue();
    assertThat(woken.index()).isEqualTo(6);
    assertThat(woken.value()).hasSize(5);
  }

  // ---- ACL ----

  @Test
  void aclWritesKeepCreateIndexesAndIdenticalWritesChangeNothing() {
    assertThat(client.acl()).isEqualTo(new DcStore.AclResult(1, AclEntries.EMPTY));
    assertThat(client.ok(client.policy(policy("ops", "{\"operator\":\"read\"}")))).isEqualTo(2);
    assertThat(client.ok(client.token(token(1, "ops")))).isEqualTo(3);
    assertThat(client.ok(client.policy(policy("ops", "{\"operator\":\"write\"}")))).isEqualTo(4);
    assertThat(client.token(token(1, "ops")).getValue()).isEqualTo(new WriteResult(4, false));
    assertThat(client.policy(policy("ops", "{\"operator\":\"write\"}")).getValue())
        .isEqualTo(new WriteResult(4, false));
    // An ACL write moves the ACL table's index only.
    client.ok(client.upsert(federationState("dc2")));
    assertThat(client.acl()).isEqualTo(new DcStore.AclResult(4, new AclEntries(0,
        List.of(policy("ops", "{\"operator\":\"write\"}").withIndexes(2, 4)), List.of(token(1, "ops").withIndexes(3, 3)))));
    assertThat(client.listStates().index()).isEqualTo(5);

    assertThat(client.ok(client.deleteToken(token(1).accessorId()))).isEqualTo(6);
    assertThat(client.deleteToken(token(1).accessorId()).getValue()).isEqualTo(new WriteResult(6, false));
    assertThat(client.ok(client.deletePolicy("ops"))).isEqualTo(7);
    assertThat(client.deletePolicy("ops").getValue()).isEqualTo(new WriteResult(7, false));
    assertThat(client.acl()).isEqualTo(new DcStore.AclResult(7, AclEntries.EMPTY));
  }

  @Test
  void bootstrapHappensOnce() {
    assertThat(client.ok(client.bootstrap(token(1, "global-management")))).isEqualTo(2);
    StatusReply<WriteResult> again = client.bootstrap(token(2, "global-management"));
    assertThat(again.isError()).isTrue();
    assertThat(again.getError().getMessage())
        .isEqualTo("ACL bootstrap no longer allowed (it was done at index 2); create tokens with a management token instead");
    assertThat(client.acl().value().bootstrapIndex()).isEqualTo(2);
    assertThat(client.acl().value().tokens()).extracting(AclToken::accessorId).containsExactly(token(1).accessorId());
    // Deleting the bootstrap token does not open the bootstrap again.
    client.ok(client.deleteToken(token(1).accessorId()));
    assertThat(client.bootstrap(token(3)).isError()).isTrue();
  }

  @Test
  void invalidAclEntriesAreRefusedWithTheirReason() {
    client.ok(client.token(token(1)));
    Map<StatusReply<WriteResult>, String> refused = new java.util.LinkedHashMap<>();
    refused.put(client.policy(policy("no spaces", "{}")), "invalid policy name \"no spaces\": use 1 to 128 letters, digits, '-' and '_'");
    refused.put(client.policy(policy("operator:read", "{}")), "invalid policy name \"operator:read\"");
    refused.put(client.policy(policy("big", "x".repeat(16 * 1024 + 1))), "policy \"big\": its rules are 16385 bytes, over the limit of 16384");
    refused.put(client.token(new AclToken("not-a-uuid", token(2).secretHash(), "", List.of(), null, 0, 0)),
        "invalid token accessor ID \"not-a-uuid\": must be a lower-case UUID");
    refused.put(client.token(new AclToken(token(2).accessorId(), "secret", "", List.of(), null, 0, 0)),
        "the secret hash must be 64 lower-case hex digits (SHA-256)");
    refused.put(client.token(new AclToken(token(2).accessorId(), token(1).secretHash(), "", List.of(), null, 0, 0)),
        "another token already has this secret");
    refused.put(client.token(token(2, "a", "a")), "policy \"a\" is named twice");
    refused.put(client.token(token(2, java.util.stream.IntStream.range(0, 33).mapToObj(i -> "p" + i).toArray(String[]::new))),
        "33 policies, over the limit of 32");
    refused.forEach((reply, message) -> {
      assertThat(reply.isError()).as(message).isTrue();
      assertThat(reply.getError().getMessage()).contains(message);
    });
    assertThat(client.acl()).isEqualTo(new DcStore.AclResult(2, new AclEntries(0, List.of(),
        List.of(token(1).withIndexes(2, 2)))));
  }

  @Test
  void aBlockingAclReadWakesOnAnAclWriteOnly() {
    client.ok(client.policy(policy("p", "{}")));
    TestProbe<StatusReply<QueryResult<AclEntries>>> reader = testKit.createTestProbe();
    client.store.tell(new DcStore.ListAcl(2, Duration.ofSeconds(30), reader.ref()));
    client.ok(client.upsert(federationState("dc2")));
    client.ok(client.register(node("n1"), service("web", "web")));
    reader.expectNoMessage(Duration.ofMillis(200));
    client.ok(client.token(token(1, "p")));
    QueryResult<AclEntries> woken = reader.receiveMessage(Duration.ofSeconds(5)).getValue();
    assertThat(woken.index()).isEqualTo(5);
    assertThat(woken.value().tokens()).hasSize(1);
  }

  // ---- recovery ----

  @Test
  void recoveryAfterRestartYieldsIdenticalStateAndIndexes() throws SQLException {
    String recoveredDc = uniqueDc();
    ActorTestKit first = startSystem("recovery-1");
    Snapshot before;
    long lastIndex;
    try {
      StoreClient store = new StoreClient(first, recoveredDc);
      lastIndex = writeHistory(store);
      before = Snapshot.of(store);
    } finally {
      first.shutdownTestKit();
    }
    // 150 changes on top of the empty store's 1.
    assertThat(lastIndex).isEqualTo(151);
    assertThat(snapshotCount("dc-store|" + recoveredDc)).isPositive();

    ActorTestKit second = startSystem("recovery-2");
    try {
      StoreClient store = new StoreClient(second, recoveredDc);
      assertThat(Snapshot.of(store)).isEqualTo(before);
      // The index continues where it stopped, and unchanged-ness is judged on the recovered state.
      assertThat(store.deregister("nobody", null, null).getValue()).isEqualTo(new WriteResult(lastIndex, false));
      assertThat(store.ok(store.upsert(federationState("dc-new")))).isEqualTo(lastIndex + 1);
      // Decommissions survive, from the snapshot and from the events after it.
      assertThat(errorOf(store.upsert(federationState("dc-gone")))).contains("dc-gone was decommissioned");
      assertThat(errorOf(store.upsert(federationState("dc5")))).contains("dc5 was decommissioned");
    } finally {
      second.shutdownTestKit();
    }
  }

  // ---- backups (meshfed snapshot save/restore) ----

  /**
   * A snapshot taken from one store, through its file, restores into another: refused while that
   * one has writes (nothing changed), then forced; the records come back with their own indexes,
   * every table at the index after the snapshot's, and the restore survives recovery.
   */
  @Test
  void aSnapshotRestoresIntoAnotherStoreAndSurvivesRecovery() {
    String fromDc = uniqueDc();
    String toDc = uniqueDc();
    ActorTestKit first = startSystem("backup-1");
    Snapshot source;
    long restored;
    try {
      StoreClient from = new StoreClient(first, fromDc);
      long lastIndex = writeHistory(from);
      source = Snapshot.of(from);
      DcStore.SnapshotTaken taken = from.snapshot();
      assertThat(taken.index()).isEqualTo(lastIndex);
      assertThat(taken.datacenter()).isEqualTo(fromDc);
      SnapshotFile.Contents file = SnapshotFile.decode(SnapshotFile.encode(taken, "test", Instant.now()));

      StoreClient to = new StoreClient(first, toDc);
      to.ok(to.upsert(federationState("written-before")));
      Snapshot beforeRestore = Snapshot.of(to);
      StatusReply<WriteResult> refused = to.restore(file, false);
      assertThat(refused.isError()).isTrue();
      assertThat(refused.getError().getMessage()).startsWith(DcStore.RESTORE_NOT_EMPTY).contains("store index 2");
      assertThat(Snapshot.of(to)).isEqualTo(beforeRestore);

      restored = to.ok(to.restore(file, true));
      assertThat(restored).isEqualTo(lastIndex + 1);
      assertRestored(Snapshot.of(to), source, restored);
    } finally {
      first.shutdownTestKit();
    }
    ActorTestKit second = startSystem("backup-2");
    try {
      StoreClient to = new StoreClient(second, toDc);
      assertRestored(Snapshot.of(to), source, restored);
      assertThat(to.ok(to.upsert(federationState("dc-after")))).isEqualTo(restored + 1);
    } finally {
      second.shutdownTestKit();
    }
  }

  private static void assertRestored(Snapshot restored, Snapshot source, long index) {
    assertThat(restored.states().value()).isEqualTo(source.states().value());
    assertThat(restored.gateways().value()).isEqualTo(source.gateways().value());
    assertThat(restored.services().value()).isEqualTo(source.services().value());
    assertThat(restored.acl().value()).isEqualTo(source.acl().value());
    assertThat(List.of(restored.states().index(), restored.services().index(), restored.acl().index()))
        .containsOnly(index);
  }

  /** More than 100 changes (so a snapshot is taken) plus some after it, across all operations. */
  private static long writeHistory(StoreClient store) {
    long index = 0;
    // ACL writes before the snapshot and after it.
    store.ok(store.bootstrap(token(1, "global-management")));
    // A decommission before the snapshot, and one that deletes a state after it.
    store.ok(store.decommission("dc-gone", Instant.parse("2026-12-03T22:00:00.123Z")));
    store.ok(store.policy(policy("ops", "{\"operator\":\"read\"}")));
    for (int i = 0; i < 40; i++) {
      store.ok(store.register(node("node-" + i), service("web-" + i, "web"),
          nodeCheck("serfHealth", HealthCheck.PASSING), serviceCheck("alive-" + i, "web-" + i, HealthCheck.PASSING)));
      // A DC's mesh gateways must fit one federation state: at most 32.
      store.ok(store.register(node("gw-" + i), i < 30 ? gateway("gw", 8000 + i) : service("gw", "gw")));
      index = store.ok(store.upsert(federationState("dc" + (i % 7), gatewayEntry("gw-" + i, 443 + i))));
    }
    for (int i = 0; i < 10; i++) {
      store.ok(store.updateCheck("node-" + i, "alive-" + i, HealthCheck.CRITICAL, "down " + i));
      store.ok(store.deregister("gw-" + i, null, null));
    }
    store.ok(store.delete("dc3"));
    store.ok(store.deregister("node-11", "web-11", null));
    store.ok(store.deregister("node-12", null, "serfHealth"));
    store.ok(store.upsert(new FederationState("dc9", List.of(), Instant.parse("2024-05-06T07:08:09.987654321Z"), 42, 0, 0)));
    store.ok(store.token(token(2, "ops")));
    store.ok(store.decommission("dc5", Instant.parse("2026-12-03T22:00:01Z")));
    index = store.ok(store.deletePolicy("ops"));
    return index;
  }

  /** Everything the reads expose: both tables with their indexes. */
  private record Snapshot(
      QueryResult<List<FederationState>> states,
      QueryResult<Map<String, List<CheckServiceNode>>> gateways,
      QueryResult<List<CheckServiceNode>> services,
      Map<String, QueryResult<FederationState>> byDc,
      QueryResult<AclEntries> acl,
      QueryResult<List<DcStore.Decommissioned>> decommissioned) {

    static Snapshot of(StoreClient store) {
      QueryResult<List<FederationState>> states = store.listStates();
      Map<String, QueryResult<FederationState>> byDc = new HashMap<>();
      for (FederationState s : states.value()) {
        byDc.put(s.datacenter(), store.get(s.datacenter().toUpperCase(Locale.ROOT)));
      }
      return new Snapshot(states, store.meshGateways(), store.services("", ""), byDc, store.acl(),
          store.decommissioned());
    }
  }

  private long snapshotCount(String persistenceId) throws SQLException {
    JournalSettings j = journal();
    try (Connection c = DriverManager.getConnection(j.jdbcUrl(), j.user(), j.password());
        PreparedStatement st = c.prepareStatement(
            "SELECT COUNT(*) FROM \"snapshot\" WHERE \"persistence_id\" = ?")) {
      st.setString(1, persistenceId);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static String errorOf(StatusReply<WriteResult> reply) {
    assertThat(reply.isError()).as("expected an error, got %s", reply).isTrue();
    return reply.getError().getMessage();
  }
}
