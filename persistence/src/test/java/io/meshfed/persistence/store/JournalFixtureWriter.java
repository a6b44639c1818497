package io.meshfed.persistence.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import io.meshfed.persistence.store.StoreEvent.AclPolicyDeleted;
import io.meshfed.persistence.store.StoreEvent.AclPolicyUpserted;
import io.meshfed.persistence.store.StoreEvent.AclTokenDeleted;
import io.meshfed.persistence.store.StoreEvent.AclTokenUpserted;
import io.meshfed.persistence.store.StoreEvent.CatalogDeregistered;
import io.meshfed.persistence.store.StoreEvent.CatalogRegistered;
import io.meshfed.persistence.store.StoreEvent.CheckUpdated;
import io.meshfed.persistence.store.StoreEvent.FederationStateDeleted;
import io.meshfed.persistence.store.StoreEvent.FederationStateUpserted;
import io.meshfed.persistence.store.StoreEvent.StoreRestored;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.CheckDefinition;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes a journal-compatibility fixture: a history that uses every event type, serialized as the
 * journal serializes it, plus a snapshot taken part-way. Run it with the code of the format being
 * captured, into a new version directory, before that format is changed:
 *
 * <pre>mvn -o -q -pl persistence test -Dtest=JournalFixtureWriter -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Djournal.fixture.dir=src/test/resources/journal-compat/vN</pre>
 *
 * A fixture, once committed, is never regenerated: it stands for journals already written. Every
 * version holds the same history, grown only at its end when a version added event types (v3: the
 * ACL writes; v4: decommissions, then a restore), so {@link JournalCompatibilityTest} expects the same catalog and federation states
 * of all of them, and the ACL table from the versions that journal it.
 */
@EnabledIfSystemProperty(named = "journal.fixture.dir", matches = ".+")
class JournalFixtureWriter {
  /** The snapshot is taken after this many events, so recovery replays the rest on top of it. */
  static final int SNAPSHOT_AFTER = 10;

  @Test
  void write() throws IOException {
    Path dir = Path.of(System.getProperty("journal.fixture.dir"));
    Files.createDirectories(dir);
    ActorTestKit testKit = ActorTestKit.create("journal-fixture", ConfigFactory.load());
    try {
      Serialization serialization = SerializationExtension.get(testKit.system());
      List<StoreEvent> events = history();
      StringBuilder out = new StringBuilder(header("Journal events"));
      StoreState state = StoreState.EMPTY;
      StoreState snapshot = null;
      for (int i = 0; i < events.size(); i++) {
        out.append(line(serialization, i + 1, events.get(i)));
        state = events.get(i).applyTo(state);
        if (i + 1 == SNAPSHOT_AFTER) {
          snapshot = state;
        }
      }
      Files.writeString(dir.resolve("events.txt"), out, StandardCharsets.UTF_8);
      assertThat(state.index()).isEqualTo(events.size() + 1);
      Files.writeString(dir.resolve("snapshot.txt"),
          header("Snapshots") + line(serialization, SNAPSHOT_AFTER, StoreSnapshot.of(snapshot)), StandardCharsets.UTF_8);
    } finally {
      testKit.shutdownTestKit();
    }
  }

  private static String header(String what) {
    return "# " + what + " as the store journals them, one per line: sequence number, serializer id,\n"
        + "# manifest, payload in base64. The comment before each shows the payload as JSON, for reading only.\n"
        + "# Written by JournalFixtureWriter; never regenerated: it stands for journals already written.\n";
  }

  private static String line(Serialization serialization, long sequenceNr, Object value) throws IOException {
    Serializer serializer = serialization.findSerializerFor(value);
    byte[] bytes = serialization.serialize(value).get();
    String json = new ObjectMapper().writeValueAsString(new CBORMapper().readTree(bytes));
    return "# " + json + "\n" + sequenceNr + " " + serializer.identifier() + " "
        + Serializers.manifestFor(serializer, value) + " " + Base64.getEncoder().encodeToString(bytes) + "\n";
  }

  /**
   * Every event type and every field of the records they carry, with values as the command
   * handler journals them (checks name their node; UpdatedAt set).
   */
  static List<StoreEvent> history() {
    Node n1 = new Node("n1", "10.0.0.1", "dc1", Map.of("lan", "10.0.0.1", "wan", "198.51.100.1"),
        Map.of("rack", "r1"));
    NodeService web = new NodeService("web-1", "web", "", List.of("v1", "v2"), "10.0.0.1", 8080,
        Map.of("version", "1.2"), Map.of(NodeService.TAG_LAN, new ServiceAddress("10.0.0.1", 8080)));
    HealthCheck serfHealth = new HealthCheck("n1", "serfHealth", "Serf Health Status", HealthCheck.PASSING, "",
        "Agent alive and reachable", "", "");
    HealthCheck webAlive = new HealthCheck("n1", "web-alive", "web alive", HealthCheck.PASSING, "checks /health",
        "", "web-1", "");
    Node gw1 = new Node("gw-1", "10.0.0.2", "dc1", Map.of(), Map.of());
    NodeService gateway = meshGateway("gw", "10.0.0.2", "203.0.113.2", 443);
    HealthCheck gwTcp = new HealthCheck("gw-1", "gw-tcp", "mesh gateway reachable", HealthCheck.CRITICAL, "", "",
        "gw", "", new CheckDefinition("10.0.0.2:8443", "10s", "2s"));
    String gwOutput = "TCP connect 10.0.0.2:8443: Success — ✓";
    CheckServiceNode dc1Gateway = new CheckServiceNode(gw1, gateway,
        List.of(gwTcp.withStatus(HealthCheck.PASSING, gwOutput).withServiceName("mesh-gateway")));
    CheckServiceNode dc2Gateway = new CheckServiceNode(
        new Node("dc2-gw", "10.1.0.2", "dc2", Map.of("wan", "203.0.113.20"), Map.of()),
        meshGateway("gw", "10.1.0.2", "203.0.113.20", 8443), List.of());
    NodeService api = new NodeService("api", "api", "", List.of(), "", 9090, Map.of(), Map.of());
    HealthCheck apiAlive = new HealthCheck("n1", "api-alive", "api alive", "", "", "", "api", "");

    List<StoreEvent> events = new ArrayList<>();
    events.add(CatalogRegistered.of(n1, web, List.of(serfHealth, webAlive)));
    events.add(CatalogRegistered.of(gw1, gateway, List.of(gwTcp)));
    events.add(CatalogRegistered.of(new Node("n2", "10.0.0.3", "", null, null), null, List.of()));
    events.add(new CheckUpdated("gw-1", "gw-tcp", HealthCheck.PASSING, gwOutput));
    events.add(FederationStateUpserted.of(new FederationState("dc1", List.of(dc1Gateway),
        Instant.parse("2024-01-02T03:04:05.123456789Z"), 0, 0, 0)));
    // A secondary's copy of the primary's record: PrimaryModifyIndex is kept, the others are local.
    events.add(FederationStateUpserted.of(new FederationState("dc2", List.of(dc2Gateway),
        Instant.parse("2024-01-02T03:04:06Z"), 42, 40, 42)));
    events.add(FederationStateUpserted.of(new FederationState("dc3", List.of(),
        Instant.parse("2024-01-02T03:04:07Z"), 0, 0, 0)));
    events.add(new FederationStateDeleted("dc3"));
    events.add(FederationStateUpserted.of(new FederationState("dc2", List.of(dc2Gateway, dc1Gateway),
        Instant.parse("2024-01-02T03:04:08.5Z"), 57, 0, 0)));
    events.add(CatalogRegistered.of(n1, api, List.of(apiAlive)));
    events.add(new CatalogDeregistered("n1", "", "serfHealth"));
    events.add(new CatalogDeregistered("n1", "api", ""));
    events.add(new CatalogDeregistered("N2", "", ""));
    events.add(new CheckUpdated("n1", "web-alive", HealthCheck.WARNING, "slow: 2.5s"));
    // v3: the ACL table.
    events.add(AclPolicyUpserted.of(new AclPolicy("ops", "operators read", "{\"operator\":\"read\"}", 0, 0)));
    events.add(AclPolicyUpserted.of(new AclPolicy("old", "", "{}", 0, 0)));
    events.add(AclTokenUpserted.of(new AclToken("0b5f3c0a-6c1e-4d59-9a3e-7f2a1d9e4b10",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "Bootstrap Token (Global Management)",
        List.of("global-management"), Instant.parse("2026-12-02T10:11:12.5Z"), 0, 0), true));
    events.add(AclTokenUpserted.of(new AclToken("3e1d2c4b-5a69-4788-9c0d-1e2f3a4b5c6d",
        "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", "gateway dc2", List.of("ops", "old"),
        Instant.parse("2026-12-02T10:11:13Z"), 0, 0), false));
    events.add(new AclPolicyDeleted("old"));
    events.add(new AclTokenDeleted("0b5f3c0a-6c1e-4d59-9a3e-7f2a1d9e4b10"));
    // v4: decommissioned DCs. Of DCs without a federation state, so that the states above stay
    // those every version's history reaches.
    events.add(new StoreEvent.DatacenterDecommissioned("dc4", "2026-12-03T22:00:00Z"));
    events.add(new StoreEvent.DatacenterDecommissioned("DC5", "2026-12-03T22:00:01.5Z"));
    events.add(new StoreEvent.DatacenterRecommissioned("dc5"));
    // then a restore (meshfed snapshot restore) of the state reached so far: the same records, every
    // table at the restore's index.
    StoreState reached = StoreState.EMPTY;
    for (StoreEvent e : events) {
      reached = e.applyTo(reached);
    }
    events.add(new StoreRestored(StoreSnapshot.of(reached)));
    return events;
  }

  private static NodeService meshGateway(String id, String lan, String wan, int wanPort) {
    return new NodeService(id, "mesh-gateway", "mesh-gateway", List.of(), lan, 8443,
        Map.of("consul-wan-federation", "1"),
        Map.of(NodeService.TAG_LAN, new ServiceAddress(lan, 8443), NodeService.TAG_WAN,
            new ServiceAddress(wan, wanPort)));
  }
}
