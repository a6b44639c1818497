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
import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.journal.JournalSettings;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Limits;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store enforces every limit itself, for writers that reach it without an endpoint: a rejected
 * write journals nothing and the index stays where it was. The limits do not depend on the
 * journal, so H2 is enough.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DcStoreLimitsTest {
  @TempDir static Path dataDir;
  private ActorTestKit testKit;
  private StoreClient client;
  private String dc;

  @BeforeAll
  void start() {
    testKit = ActorTestKit.create("limits-test",
        JournalSettings.h2(dataDir).toConfig().withFallback(ConfigFactory.load()));
    JournalSchema.ensure(testKit.system()).toCompletableFuture().join();
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void spawnStore() {
    dc = "dc-" + UUID.randomUUID().toString().substring(0, 13);
    client = new StoreClient(testKit, dc);
  }

  @Test
  void hostileRegistrationsAreRejectedAndJournalNothing() throws SQLException {
    client.ok(client.register(node("n0"), service("web", "web")));
    long events = journalled();
    assertRejected(() -> client.register(node("n1"), port(70000)), "service port 70000: use 1-65535, or 0 for none");
    assertRejected(() -> client.register(node("n1"), port(-5)), "service port -5: use 1-65535, or 0 for none");
    assertRejected(() -> client.register(node("n1"), tags(Collections.nCopies(10_000, "t"))),
        "service tags: 10000 exceed the limit of 64");
    assertRejected(() -> client.register(node("n1"), tags(List.of("x".repeat(1 << 20)))),
        "service tag 1 \"" + "x".repeat(64) + "\"…(1048576 chars): longer than 256 characters");
    assertRejected(() -> client.register(new Node("n1", "10.0.0.1\nevil", "", Map.of(), Map.of()), null),
        "node address \"10.0.0.1\\nevil\": whitespace and control characters are not allowed");
    assertRejected(() -> client.register(node("n1"), service("web\n1", "web")),
        "service ID \"web\\n1\": control characters are not allowed");
    assertRejected(() -> client.register(node("n1"), gatewayOnPort(0)),
        "service port 0: a mesh gateway needs a port in 1-65535");
    assertRejected(() -> client.register(node("n1"), null,
            IntStream.range(0, 33).mapToObj(i -> nodeCheck("c" + i, "passing")).toArray(HealthCheck[]::new)),
        "33 checks exceed the limit of 32 per registration");
    assertRejected(() -> client.register(node("n1"), service("web", "web"),
            serviceCheck("db-alive", "db", HealthCheck.PASSING)),
        "check 'db-alive' refers to service 'db', which is not registered on node 'n1'");
    assertThat(client.services("", "").index()).isEqualTo(2);
    assertThat(journalled()).isEqualTo(events);
  }

  @Test
  void aHugeCheckOutputIsTruncatedOnRegisterAndUpdate() {
    String seven = "o".repeat(7 * 1024 * 1024);
    HealthCheck check = new HealthCheck(null, "big", "big", HealthCheck.PASSING, "", seven, "", "");
    client.ok(client.register(node("n1"), service("web", "web"), check));
    String stored = client.services("web", "").value().get(0).checks().get(0).output();
    assertThat(stored).isEqualTo("o".repeat(4096) + " ... (captured 4096 of 7340032 bytes)");

    client.ok(client.updateCheck("n1", "big", HealthCheck.WARNING, "p".repeat(5000)));
    assertThat(client.services("web", "").value().get(0).checks().get(0).output())
        .isEqualTo("p".repeat(4096) + " ... (captured 4096 of 5000 bytes)");
    long index = client.services("", "").index();
    assertRejected(() -> client.updateCheck("n1", "big", HealthCheck.PASSING, "bell\u0007"),
        "check \"big\" output: control characters other than \\n, \\r and \\t are not allowed");
    assertRejected(() -> client.updateCheck("n\n1", "big", HealthCheck.PASSING, ""),
        "check 'big' not found on node 'n\\n1'");
    assertThat(client.services("", "").index()).isEqualTo(index);
  }

  @Test
  void hostileFederationStatesAreRejectedAndJournalNothing() throws SQLException {
    client.ok(client.upsert(federationState("dc2", gatewayEntry("gw1", 443))));
    long events = journalled();
    FederationState valid = federationState("dc3", gatewayEntry("gw1", 443));
    assertRejected(() -> client.upsert(valid.withUpdatedAt(Instant.ofEpochMilli(Long.MIN_VALUE))),
        "UpdatedAt -292275055-05-16T16:47:04.192Z is outside 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z");
    assertRejected(() -> client.upsert(valid.withIndexes(-1, 0, 0)),
        "PrimaryModifyIndex must be within 0 and 9223372036854775807");
    assertRejected(() -> client.upsert(federationState("DC3")),
        "invalid datacenter name 'DC3': use 1 to 63 characters of a-z, 0-9, '_' and '-' (no dots, no upper case)");
    assertRejected(() -> client.upsert(federationState("dc3",
            IntStream.range(0, 33).mapToObj(i -> gatewayEntry("gw" + i, 443)).toArray(CheckServiceNode[]::new))),
        "33 mesh gateways exceed the limit of 32");
    FederationState sixMegabytes = federationState("dc3", IntStream.range(0, 32)
        .mapToObj(i -> bigGatewayEntry("gw" + i, 200_000)).toArray(CheckServiceNode[]::new));
    assertThat(client.upsert(sixMegabytes).getError().getMessage()).startsWith("the federation state of 'dc3' is ")
        .endsWith(" bytes encoded, over the limit of 65536");
    assertThat(client.listStates().index()).isEqualTo(2);
    assertThat(journalled()).isEqualTo(events);
  }

  @Test
  void allFederationStatesTogetherStayWithinTheirTotal() {
    // Each state just under 64 KiB; the total allows a few of them.
    int each = ProtoConvert.asListElement(ProtoConvert.encodedSize(federationState("dc0", bigGateways(60_000))));
    assertThat(each).isBetween(60_000, Limits.MAX_FEDERATION_STATE_BYTES);
    int fits = 0;
    StatusReply<WriteResult> reply;
    while (!(reply = client.upsert(federationState("dc" + fits, bigGateways(60_000)))).isError()) {
      fits++;
    }
    assertThat(fits).isEqualTo(Limits.MAX_FEDERATION_STATES_BYTES / each);
    assertThat(reply.getError().getMessage()).matches("the federation states would total \\d+ bytes encoded, "
        + "over the limit of 524288; delete the states of DCs that are gone");
    // A replicated copy is the primary's to limit: applied one record at a time, a secondary's states
    // may pass through a total above it. The record itself is still checked.
    client.ok(client.replicate(federationState("dc-copy", bigGateways(60_000))));
    assertThat(client.replicate(federationState("DC.bad", bigGateways(60_000))).isError()).isTrue();
    client.ok(client.delete("dc-copy"));
    long index = client.listStates().index();
    assertThat(client.listStates().value()).hasSize(fits);
    // Replacing a state by one no bigger, or deleting one, is always possible.
    assertThat(client.upsert(federationState("dc0", bigGateways(60_000))).getValue().applied()).isTrue();
    client.ok(client.delete("dc0"));
    client.ok(client.upsert(federationState("dc" + fits, bigGateways(60_000))));
    assertThat(client.listStates().index()).isEqualTo(index + 3);
  }

  @Test
  void theCatalogStaysWithinItsTotal() {
    client.ok(client.register(node("probe"), service("web", "web"),
        new HealthCheck(null, "probe-alive", "", HealthCheck.PASSING, "", "ok", "web", "")));
    int fits = 0;
    StatusReply<WriteResult> reply;
    while (!(reply = client.register(node("n" + fits), null, bigChecks())).isError()) {
      fits++;
    }
    assertThat(fits).isBetween(Limits.MAX_CATALOG_BYTES / Limits.MAX_REGISTRATION_BYTES - 1,
        Limits.MAX_CATALOG_BYTES / 10_000);
    assertThat(reply.getError().getMessage()).matches("the catalog would be \\d+ bytes encoded, over the limit of "
        + "524288; deregister what is gone");
    // Then small nodes until not even one more fits: the catalog is within a few bytes of its total.
    for (int i = 0; !client.register(node("s" + i), null).isError(); i++) {
      assertThat(i).as("small nodes that still fit").isLessThan(1_000);
    }
    // A check update always gets its status through: an output that would grow the catalog over its
    // total is cut to the length the check's output had.
    long before = client.services("", "").index();
    client.ok(client.updateCheck("probe", "probe-alive", HealthCheck.CRITICAL, "dial tcp: " + "o".repeat(4000)));
    HealthCheck updated = client.services("web", "").value().get(0).checks().get(0);
    assertThat(updated.status()).isEqualTo(HealthCheck.CRITICAL);
    assertThat(updated.output()).isEqualTo("di");
    assertThat(client.services("", "").index()).isEqualTo(before + 1);
    long index = client.services("", "").index();
    client.ok(client.deregister("n0", null, null));
    client.ok(client.register(node("n" + fits), null, bigChecks()));
    assertThat(client.services("", "").index()).isEqualTo(index + 2);
  }

  /**
   * The ACL table stays within what one answer carries across the LAN: the largest tokens (long
   * descriptions, 32 long policy names) until one is refused, a smaller change still passes, and a
   * delete makes room again.
   */
  @Test
  void theAclTableStaysWithinItsTotal() throws Exception {
    List<String> policies = java.util.stream.IntStream.range(0, Limits.MAX_POLICIES_PER_TOKEN)
        .mapToObj(i -> "p" + i + "-" + "x".repeat(200)).toList();
    int fits = 0;
    StatusReply<WriteResult> reply;
    while (!(reply = client.token(bigToken(fits, policies))).isError()) {
      fits++;
    }
    long bigTokenSize = io.meshfed.protocol.model.AclValidation.encodedSize(bigToken(0, policies));
    assertThat((long) fits).isEqualTo(Limits.MAX_ACL_TABLE_BYTES / bigTokenSize);
    assertThat(reply.getError().getMessage()).matches("the ACL table would be \\d+ bytes, over the limit of "
        + Limits.MAX_ACL_TABLE_BYTES + "; delete tokens and policies that are no longer used");
    // A change that shrinks a token passes; a delete makes room for one more.
    client.ok(client.token(bigToken(0, List.of())));
    client.ok(client.deleteToken(bigToken(1, policies).accessorId()));
    client.ok(client.token(bigToken(fits, policies)));
    assertThat(client.acl().value().tokens()).hasSize(fits);
  }

  private static io.meshfed.protocol.model.AclToken bigToken(int n, List<String> policies) {
    return new io.meshfed.protocol.model.AclToken(String.format("00000000-0000-4000-8000-%012d", n),
        String.format("%064x", n), "d".repeat(Limits.MAX_ACL_DESCRIPTION_BYTES), policies, null, 0, 0);
  }

  @Test
  void meshGatewaysMustKeepFittingTheDcsFederationState() {
    for (int i = 0; i < Limits.MAX_MESH_GATEWAYS; i++) {
      client.ok(client.register(node("gw-" + i), gateway("gw", 8443)));
    }
    long index = client.services("", "").index();
    assertRejected(() -> client.register(node("gw-32"), gateway("gw", 8443)),
        "this DC's mesh gateways would no longer fit in its federation state, so anti-entropy could not publish "
            + "them: 33 mesh gateways exceed the limit of 32");
    // Node-level checks show in every gateway entry of their node, so they count too.
    HealthCheck[] notes = IntStream.range(0, 2)
        .mapToObj(i -> new HealthCheck(null, "note" + i, "", HealthCheck.PASSING, "n".repeat(1024), "", "", ""))
        .toArray(HealthCheck[]::new);
    String refused = null;
    int accepted = 0;
    while (refused == null && accepted < Limits.MAX_MESH_GATEWAYS) {
      StatusReply<WriteResult> reply = client.register(node("gw-" + accepted), null, notes);
      if (reply.isError()) {
        refused = reply.getError().getMessage();
      } else {
        accepted++;
      }
    }
    assertThat(refused).matches("this DC's mesh gateways would no longer fit in its federation state, so "
        + "anti-entropy could not publish them: the federation state of '" + dc + "' is \\d+ bytes encoded, "
        + "over the limit of 65536");
    assertThat(accepted).isBetween(20, Limits.MAX_MESH_GATEWAYS - 1);
    // Other nodes are not held back by the gateways.
    client.ok(client.register(node("web-1"), service("web", "web")));
    assertThat(client.services("", "").index()).isGreaterThan(index);
  }

  private void assertRejected(Supplier<StatusReply<WriteResult>> write, String message) {
    StatusReply<WriteResult> reply = write.get();
    assertThat(reply.isError()).as("expected a rejection, got %s", reply).isTrue();
    assertThat(reply.getError().getMessage()).isEqualTo(message);
  }

  private static NodeService port(int port) {
    return new NodeService("web", "web", "", List.of(), "", port, Map.of(), Map.of());
  }

  private static NodeService tags(List<String> tags) {
    return new NodeService("web", "web", "", tags, "", 80, Map.of(), Map.of());
  }

  private static NodeService gatewayOnPort(int port) {
    return new NodeService("gw", "mesh-gateway", "mesh-gateway", List.of(), "10.0.0.1", port, Map.of(),
        Map.of(NodeService.TAG_WAN, new ServiceAddress("203.0.113.1", 443)));
  }

  /** A gateway whose tags make it about {@code bytes} encoded. */
  private static CheckServiceNode bigGatewayEntry(String node, int bytes) {
    int tags = Math.min(Limits.MAX_TAGS, bytes / 258 + 1);
    NodeService service = new NodeService("gw", "mesh-gateway", "mesh-gateway",
        Collections.nCopies(tags, "t".repeat(256)), "10.0.0.1", 8443, Map.of(), Map.of());
    return new CheckServiceNode(node(node), service, List.of());
  }

  private static CheckServiceNode[] bigGateways(int bytes) {
    return IntStream.range(0, 4).mapToObj(i -> bigGatewayEntry("gw" + i, bytes / 4)).toArray(CheckServiceNode[]::new);
  }

  /** A registration of about 12 KiB: checks with long notes. */
  private static HealthCheck[] bigChecks() {
    return IntStream.range(0, 12)
        .mapToObj(i -> new HealthCheck(null, "c" + i, "", HealthCheck.PASSING, "n".repeat(1000), "", "", ""))
        .toArray(HealthCheck[]::new);
  }

  private long journalled() throws SQLException {
    JournalSettings j = JournalSettings.h2(dataDir);
    try (Connection c = DriverManager.getConnection(j.jdbcUrl(), j.user(), j.password());
        PreparedStatement st = c.prepareStatement(
            "SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" = ?")) {
      st.setString(1, "dc-store|" + dc);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
