package io.meshfed.persistence.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.journal.JournalSettings;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.persistence.store.JournalFixture.Entry;
import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.CheckDefinition;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Journals written by earlier versions still recover: every fixture entry (journal-compat/, written
 * by the code of its format version and never regenerated) deserializes with today's code and
 * replays to the state that history reaches, both applied here directly and recovered from a real
 * journal. Every version's fixture holds the same history ({@link JournalFixtureWriter#history()}),
 * from v3 on followed by ACL writes and from v4 on by decommissions and a restore of the state
 * reached, so the expected state, written out below rather than computed by today's code, is the
 * same for all but the ACL table, the decommissioned DCs and the indexes.
 */
class JournalCompatibilityTest {

  @TempDir static Path dataDir;
  private static JournalSettings journal;
  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    journal = JournalSettings.h2(dataDir);
    testKit = ActorTestKit.create("journal-compat", journal.toConfig().withFallback(ConfigFactory.load()));
    JournalSchema.ensure(testKit.system()).toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  // ---- what the fixtures' history leaves ----

  private static final Node GW1 = new Node("gw-1", "10.0.0.2", "dc1", Map.of(), Map.of());
  private static final Node N1 = new Node("n1", "10.0.0.1", "dc1", Map.of("lan", "10.0.0.1", "wan", "198.51.100.1"),
      Map.of("rack", "r1"));
  private static final NodeService GATEWAY = new NodeService("gw", "mesh-gateway", "mesh-gateway", List.of(),
      "10.0.0.2", 8443, Map.of("consul-wan-federation", "1"),
      Map.of("lan", new ServiceAddress("10.0.0.2", 8443), "wan", new ServiceAddress("203.0.113.2", 443)));
  private static final HealthCheck GW_TCP = new HealthCheck("gw-1", "gw-tcp", "mesh gateway reachable", "passing",
      "", "TCP connect 10.0.0.2:8443: Success — ✓", "gw", "mesh-gateway",
      new CheckDefinition("10.0.0.2:8443", "10s", "2s"));
  private static final CheckServiceNode DC1_GATEWAY = new CheckServiceNode(GW1, GATEWAY, List.of(GW_TCP));
  private static final CheckServiceNode DC2_GATEWAY = new CheckServiceNode(
      new Node("dc2-gw", "10.1.0.2", "dc2", Map.of("wan", "203.0.113.20"), Map.of()),
      new NodeService("gw", "mesh-gateway", "mesh-gateway", List.of(), "10.1.0.2", 8443,
          Map.of("consul-wan-federation", "1"),
          Map.of("lan", new ServiceAddress("10.1.0.2", 8443), "wan", new ServiceAddress("203.0.113.20", 8443))),
      List.of());
  private static final List<FederationState> STATES = List.of(
      new FederationState("dc1", List.of(DC1_GATEWAY), Instant.parse("2024-01-02T03:04:05.123456789Z"), 6, 6, 6),
      // A replicated copy keeps the primary's PrimaryModifyIndex; an update keeps the CreateIndex.
      new FederationState("dc2", List.of(DC2_GATEWAY, DC1_GATEWAY), Instant.parse("2024-01-02T03:04:08.5Z"),
          57, 7, 10));
  private static final List<CheckServiceNode> SERVICES = List.of(
      DC1_GATEWAY,
      new CheckServiceNode(N1,
          new NodeService("web-1", "web", "", List.of("v1", "v2"), "10.0.0.1", 8080, Map.of("version", "1.2"),
              Map.of("lan", new ServiceAddress("10.0.0.1", 8080))),
          // serfHealth was deregistered; the service's check took the service's name.
          List.of(new HealthCheck("n1", "web-alive", "web alive", "warning", "checks /health", "slow: 2.5s",
              "web-1", "web"))));
  private static final long FEDERATION_STATES_INDEX = 10;
  private static final long CATALOG_INDEX = 15;
  /** The ACL writes at the end of the v3 history; earlier versions have none. */
  private static final int ACL_EVENTS = 6;
  private static final AclEntries ACL = new AclEntries(18,
      List.of(new AclPolicy("ops", "operators read", "{\"operator\":\"read\"}", 16, 16)),
      List.of(new AclToken("3e1d2c4b-5a69-4788-9c0d-1e2f3a4b5c6d",
          "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", "gateway dc2", List.of("ops", "old"),
          Instant.parse("2026-12-02T10:11:13Z"), 19, 19)));

  /** The decommissions at the end of the v4 history: dc4 stays decommissioned, DC5 is recommissioned. */
  private static final int DECOMMISSION_EVENTS = 3;
  private static final List<DcStore.Decommissioned> DECOMMISSIONED = List.of(
      new DcStore.Decommissioned("dc4", Instant.parse("2026-12-03T22:00:00Z")));

  private static int aclEvents(String version) {
    return version.compareTo("v3") >= 0 ? ACL_EVENTS : 0;
  }

  /** v4 ends with a restore of the state reached: the same records, every table at the restore's index. */
  private static int restoreEvents(String version) {
    return version.compareTo("v4") >= 0 ? 1 : 0;
  }

  private static int decommissionEvents(String version) {
    return version.compareTo("v4") >= 0 ? DECOMMISSION_EVENTS : 0;
  }

  /** The index of the ACL table's last write: its last event (or the restore), 0 before v3. */
  private static long aclIndex(String version) {
    return aclEvents(version) == 0 ? 0 : restoreEvents(version) == 1 ? index(version) : 15 + aclEvents(version);
  }

  /** The store index the whole history reaches: one per event on top of the empty store's 1. */
  private static long index(String version) {
    return 15 + aclEvents(version) + decommissionEvents(version) + restoreEvents(version);
  }

  private static long federationStatesIndex(String version) {
    return restoreEvents(version) == 0 ? FEDERATION_STATES_INDEX : index(version);
  }

  private static long catalogIndex(String version) {
    return restoreEvents(version) == 0 ? CATALOG_INDEX : index(version);
  }

  static List<String> versions() {
    return JournalFixture.versions();
  }

  @ParameterizedTest(name = "format {0}")
  @MethodSource("versions")
  void everyEventReplaysToTheStateItsHistoryReached(String version) {
    List<Entry> entries = JournalFixture.events(version);
    StoreState state = StoreState.EMPTY;
    for (Entry entry : entries) {
      Object event = entry.deserialize(serialization());
      assertThat(event).as("entry %d (%s)", entry.sequenceNr(), entry.manifest()).isInstanceOf(StoreEvent.class);
      StoreState next = ((StoreEvent) event).applyTo(state);
      // Only writes that changed something were journaled, each at the next index.
      assertThat(next.index()).as("index after entry %d", entry.sequenceNr()).isEqualTo(state.index() + 1);
      state = next;
    }
    assertThat(entries).hasSize(14 + aclEvents(version) + decommissionEvents(version) + restoreEvents(version));
    assertThat(state.index()).isEqualTo(index(version));
    assertThat(state.acl().entries()).isEqualTo(aclEvents(version) == 0 ? AclEntries.EMPTY : ACL);
    assertThat(state.acl().index()).isEqualTo(aclIndex(version));
    assertThat(List.copyOf(state.decommissioned().values()))
        .isEqualTo(decommissionEvents(version) == 0 ? List.of() : DECOMMISSIONED);
    assertThat(state.federationStatesIndex()).isEqualTo(federationStatesIndex(version));
    assertThat(state.catalogIndex()).isEqualTo(catalogIndex(version));
    assertThat(state.federationStateList()).isEqualTo(STATES);
    assertThat(state.meshGateways())
        .isEqualTo(Map.of("dc1", List.of(DC1_GATEWAY), "dc2", List.of(DC2_GATEWAY, DC1_GATEWAY)));
    assertThat(state.services("", "")).isEqualTo(SERVICES);
    assertThat(state.nodes()).containsOnlyKeys("gw-1", "n1");
  }

  /** Format v1 serialized the StoreState itself: it is read as a StoreSnapshot (StoreSnapshotMigration). */
  @ParameterizedTest(name = "format {0}")
  @MethodSource("versions")
  void theSnapshotIsTheStateItsEventsReplayTo(String version) {
    Entry snapshot = JournalFixture.snapshots(version).get(0);
    Object read = snapshot.deserialize(serialization());
    assertThat(read).isInstanceOf(StoreSnapshot.class);
    StoreState replayed = StoreState.EMPTY;
    for (Entry entry : JournalFixture.events(version).subList(0, (int) snapshot.sequenceNr())) {
      replayed = ((StoreEvent) entry.deserialize(serialization())).applyTo(replayed);
    }
    StoreState state = ((StoreSnapshot) read).toState();
    assertThat(state).isEqualTo(replayed);
    assertThat(state.index()).isEqualTo(snapshot.sequenceNr() + 1);
    // Taken before the api service, serfHealth and n2 were removed.
    assertThat(state.node("n1").services()).containsOnlyKeys("api", "web-1");
    assertThat(state.node("n1").checks()).containsOnlyKeys("api-alive", "serfHealth", "web-alive");
    assertThat(state.node("n2")).isNotNull();
  }

  @ParameterizedTest(name = "format {0}")
  @MethodSource("versions")
  void aJournalRecovers(String version) throws SQLException {
    String dc = "dc-" + version + "-events";
    for (Entry e : JournalFixture.events(version)) {
      insertEvent("dc-store|" + dc, e);
    }
    expectRecovered(dc, version);
  }

  /** Only the events after the snapshot are kept, so that the state can only come from the snapshot. */
  @ParameterizedTest(name = "format {0}")
  @MethodSource("versions")
  void aSnapshotWithTheEventsAfterItRecovers(String version) throws SQLException {
    String dc = "dc-" + version + "-snapshot";
    Entry snapshot = JournalFixture.snapshots(version).get(0);
    insertSnapshot("dc-store|" + dc, snapshot);
    for (Entry e : JournalFixture.events(version)) {
      if (e.sequenceNr() > snapshot.sequenceNr()) {
        insertEvent("dc-store|" + dc, e);
      }
    }
    expectRecovered(dc, version);
  }

  /**
   * A new event type must come with a fixture (a new version directory written by
   * {@link JournalFixtureWriter}), or nothing would show that its entries stay readable.
   */
  @Test
  void theFixturesCoverEveryFormatAndEventType() {
    assertThat(JournalFixture.versions()).contains("v1", "v2", "v3", "v4");
    // `meshfed version` states the format this build writes: the newest fixture is it
    assertThat(JournalFixture.versions()).last().isEqualTo("v" + io.meshfed.protocol.version.Versions.JOURNAL);
    Set<String> journaled = new HashSet<>();
    for (String version : JournalFixture.versions()) {
      for (Entry e : JournalFixture.events(version)) {
        journaled.add(e.deserialize(serialization()).getClass().getName());
      }
    }
    assertThat(journaled).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(StoreEvent.class.getPermittedSubclasses()).map(Class::getName).toList());
  }

  private void expectRecovered(String dc, String version) {
    StoreClient store = new StoreClient(testKit, dc);
    long index = index(version);
    assertThat(store.listStates()).isEqualTo(new DcStore.FederationStatesResult(federationStatesIndex(version), STATES));
    assertThat(store.services("", "")).isEqualTo(new DcStore.ServicesResult(catalogIndex(version), SERVICES));
    assertThat(store.acl()).isEqualTo(aclEvents(version) == 0 ? new DcStore.AclResult(1, AclEntries.EMPTY)
        : new DcStore.AclResult(aclIndex(version), ACL));
    assertThat(store.decommissioned()).isEqualTo(new DcStore.DecommissionedResult(index,
        decommissionEvents(version) == 0 ? List.of() : DECOMMISSIONED));
    // A write that changes nothing is judged on the recovered state; the next one continues the index.
    assertThat(store.deregister("n2", null, null).getValue()).isEqualTo(new WriteResult(index, false));
    assertThat(store.ok(store.updateCheck("gw-1", "gw-tcp", HealthCheck.CRITICAL, "refused")))
        .isEqualTo(index + 1);
  }

  private static Serialization serialization() {
    return SerializationExtension.get(testKit.system());
  }

  private static void insertEvent(String persistenceId, Entry e) throws SQLException {
    try (Connection c = connect();
        PreparedStatement st = c.prepareStatement("INSERT INTO \"event_journal\" (\"deleted\", \"persistence_id\", "
            + "\"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\", "
            + "\"event_ser_id\", \"event_ser_manifest\") VALUES (FALSE, ?, ?, 'journal-compat', 0, '', ?, ?, ?)")) {
      st.setString(1, persistenceId);
      st.setLong(2, e.sequenceNr());
      st.setBytes(3, e.payload());
      st.setInt(4, e.serializerId());
      st.setString(5, e.manifest());
      st.executeUpdate();
    }
  }

  private static void insertSnapshot(String persistenceId, Entry e) throws SQLException {
    try (Connection c = connect();
        PreparedStatement st = c.prepareStatement("INSERT INTO \"snapshot\" (\"persistence_id\", \"sequence_number\", "
            + "\"created\", \"snapshot_ser_id\", \"snapshot_ser_manifest\", \"snapshot_payload\") "
            + "VALUES (?, ?, 0, ?, ?, ?)")) {
      st.setString(1, persistenceId);
      st.setLong(2, e.sequenceNr());
      st.setInt(3, e.serializerId());
      st.setString(4, e.manifest());
      st.setBytes(5, e.payload());
      st.executeUpdate();
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(journal.jdbcUrl(), journal.user(), journal.password());
  }
}
