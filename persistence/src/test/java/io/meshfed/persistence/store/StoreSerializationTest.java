package io.meshfed.persistence.store;

import static io.meshfed.persistence.store.Fixtures.federationState;
import static io.meshfed.persistence.store.Fixtures.gateway;
import static io.meshfed.persistence.store.Fixtures.gatewayEntry;
import static io.meshfed.persistence.store.Fixtures.node;
import static io.meshfed.persistence.store.Fixtures.nodeCheck;
import static io.meshfed.persistence.store.Fixtures.service;
import static io.meshfed.persistence.store.Fixtures.serviceCheck;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.meshfed.persistence.store.StoreEvent.CatalogDeregistered;
import io.meshfed.persistence.store.StoreEvent.CatalogRegistered;
import io.meshfed.persistence.store.StoreEvent.CheckUpdated;
import io.meshfed.persistence.store.StoreEvent.FederationStateDeleted;
import io.meshfed.persistence.store.StoreEvent.FederationStateUpserted;
import io.meshfed.protocol.model.HealthCheck;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Events, snapshots, commands and replies go through jackson-cbor and come back equal, including Instants. */
class StoreSerializationTest {
  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("serialization-test", ConfigFactory.load());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void eventsRoundTripThroughJacksonCbor() {
    Instant at = Instant.parse("2024-01-02T03:04:05.123456789Z");
    List<StoreEvent> events = List.of(
        FederationStateUpserted.of(federationState("dc2", gatewayEntry("gw1", 443)).withUpdatedAt(at)),
        FederationStateUpserted.of(federationState("dc3").withIndexes(7, 0, 0)),
        new FederationStateDeleted("dc2"),
        CatalogRegistered.of(node("n1"), gateway("gw", 443),
            List.of(nodeCheck("serfHealth", HealthCheck.PASSING).withNode("n1"))),
        CatalogRegistered.of(node("n2"), null, List.of()),
        new CatalogDeregistered("n1", "", "serfHealth"),
        new CheckUpdated("n1", "serfHealth", HealthCheck.WARNING, "slow"),
        StoreEvent.AclPolicyUpserted.of(Fixtures.policy("ops", "{\"operator\":\"read\"}")),
        new StoreEvent.AclPolicyDeleted("ops"),
        StoreEvent.AclTokenUpserted.of(Fixtures.token(1, "ops", "global-management"), true),
        new StoreEvent.AclTokenDeleted(Fixtures.token(1).accessorId()),
        new StoreEvent.DatacenterDecommissioned("dc2", "2026-12-03T22:00:00.5Z"),
        new StoreEvent.DatacenterRecommissioned("dc2"));
    for (StoreEvent event : events) {
      assertThat(roundTrip(event)).isEqualTo(event);
    }
  }

  @Test
  void stateRoundTripsAsASnapshotThroughJacksonCbor() {
    StoreState state = StoreState.EMPTY
        .withFederationState(federationState("dc2", gatewayEntry("gw1", 443))
            .withUpdatedAt(Instant.parse("2024-01-02T03:04:05.000000001Z")));
    state = state.withCatalog(state.registered(node("n1"), service("web", "web"),
        List.of(serviceCheck("web-alive", "web", HealthCheck.PASSING).withNode("n1"))));
    state = state.withCatalog(state.registered(node("gw-1"), gateway("gw", 8443), List.of()));
    state = state.withAclToken(Fixtures.token(1, "global-management"), true)
        .withAclPolicy(Fixtures.policy("ops", "{\"operator\":\"read\"}"))
        .withDecommission(new DcStore.Decommissioned("DC7", Instant.parse("2026-12-03T22:00:00.000000001Z")));

    StoreState copy = roundTrip(StoreSnapshot.of(state)).toState();
    assertThat(copy).isEqualTo(state);
    // Six writes on top of the empty state's 1.
    assertThat(copy.index()).isEqualTo(7);
    assertThat(copy.acl().index()).isEqualTo(6);
    assertThat(copy.decommission("dc7")).isEqualTo(new DcStore.Decommissioned("DC7",
        Instant.parse("2026-12-03T22:00:00.000000001Z")));
    assertThat(copy.acl().bootstrapIndex()).isEqualTo(5);
    assertThat(copy.federationStatesIndex()).isEqualTo(2);
    assertThat(copy.catalogIndex()).isEqualTo(4);
    assertThat(copy.services("", "")).isEqualTo(state.services("", ""));
  }

  /** Commands and replies cross the cluster when the store lives on another server. */
  @Test
  void commandsAndResultsRoundTripWithTheirTypes() {
    var replyTo = testKit.<org.apache.pekko.pattern.StatusReply<DcStore.QueryResult<List<io.meshfed.protocol.model.FederationState>>>>createTestProbe().ref();
    var writeReply = testKit.<org.apache.pekko.pattern.StatusReply<DcStore.WriteResult>>createTestProbe().ref();
    List<Object> messages = List.of(
        new DcStore.ListFederationStates(4, java.time.Duration.ofSeconds(30), replyTo),
        new DcStore.ApplyFederationState(io.meshfed.protocol.model.FederationStateOp.UPSERT,
            federationState("dc2", gatewayEntry("gw1", 443)), writeReply),
        new DcStore.WriteResult(9, true),
        new DcStore.FederationStateResult(3, federationState("dc2", gatewayEntry("gw1", 443))),
        new DcStore.FederationStateResult(3, null),
        new DcStore.FederationStatesResult(5, List.of(federationState("dc2", gatewayEntry("gw1", 443)))),
        new DcStore.MeshGatewaysResult(6, java.util.Map.of("dc2", List.of(gatewayEntry("gw1", 443)))),
        new DcStore.ServicesResult(7, List.of(gatewayEntry("gw2", 8443))),
        new DcStore.ApplyAclToken(Fixtures.token(3, "ops"), writeReply),
        new DcStore.BootstrapAcl(Fixtures.token(4, "global-management"), writeReply),
        new DcStore.DecommissionDatacenter("dc2", Instant.parse("2026-12-03T22:00:00Z"), writeReply),
        new DcStore.RecommissionDatacenter("dc2", writeReply),
        new DcStore.DecommissionedResult(9, List.of(new DcStore.Decommissioned("dc2",
            Instant.parse("2026-12-03T22:00:00Z")))),
        new DcStore.AclResult(8, new io.meshfed.protocol.model.AclEntries(3,
            List.of(Fixtures.policy("ops", "{}").withIndexes(2, 4)), List.of(Fixtures.token(3, "ops").withIndexes(3, 3)))));
    for (Object message : messages) {
      assertThat(roundTrip(message)).isEqualTo(message);
    }
    // Whether a caller may send a command again is a property of its type, never of its payload.
    assertThat(roundTrip(new DcStore.BootstrapAcl(Fixtures.token(4, "global-management"), writeReply)).idempotent())
        .isFalse();
    assertThat(roundTrip(new DcStore.ApplyAclToken(Fixtures.token(3, "ops"), writeReply)).idempotent()).isTrue();
    DcStore.FederationStatesResult typed = roundTrip(new DcStore.FederationStatesResult(5,
        List.of(federationState("dc2", gatewayEntry("gw1", 443)))));
    assertThat(typed.value().get(0)).isInstanceOf(io.meshfed.protocol.model.FederationState.class);
  }

  private static <T> T roundTrip(T value) {
    Serialization serialization = SerializationExtension.get(testKit.system());
    Serializer serializer = serialization.findSerializerFor(value);
    assertThat(serializer.identifier()).as("the jackson-cbor serializer id").isEqualTo(33);
    byte[] bytes = serialization.serialize(value).get();
    @SuppressWarnings("unchecked")
    T back = (T) serialization.deserialize(
        bytes, serializer.identifier(), Serializers.manifestFor(serializer, value)).get();
    return back;
  }
}
