package io.meshfed.server.endpoint;

import io.meshfed.protocol.errors.ApiException;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.model.CheckDefinition;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Limits;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import io.meshfed.protocol.v1.RegisterRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile registrations, federation states, outputs and DC names: the validation either refuses
 * with one clean line (an {@link ApiException}, nothing else) or accepts something that is within
 * every limit, checked here independently of the validation's own code.
 */
class RequestValidationPropertyTest {
  private static final ServerIdentity SELF = new ServerIdentity("n1", "dc1", "dc1", "127.0.0.1", 8300, 8301, "test");
  private static final Pattern DATACENTER = Pattern.compile("[a-z0-9_-]{1,63}");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern CLASS_NAME =
      Pattern.compile("(java|javax|jdk|io\\.meshfed|com\\.fasterxml|com\\.google|org\\.apache|scala)\\.|Exception");
  private static final Pattern CUT_OUTPUT = Pattern.compile("(?s)(.*) \\.\\.\\. \\(captured (\\d+) of (\\d+) bytes\\)");
  private static final Set<String> KINDS =
      Set.of("", "connect-proxy", "mesh-gateway", "terminating-gateway", "ingress-gateway", "api-gateway");

  // ---- properties ----

  @Property(tries = 1500)
  void registrationsAreRefusedCleanlyOrWithinEveryLimit(@ForAll("nodes") Node node,
      @ForAll("services") NodeService service, @ForAll("checkLists") List<HealthCheck> checks) {
    RequestValidation.Registration accepted;
    try {
      accepted = RequestValidation.registration(node, service, checks, SELF);
    } catch (Throwable refused) {
      assertCleanRefusal(refused);
      Statistics.label("registration").collect("refused");
      return;
    }
    Statistics.label("registration").collect("accepted");
    assertNode(accepted.node(), true);
    assertThat(accepted.node().datacenter()).isEqualTo(SELF.datacenter());
    if (accepted.service() != null) {
      assertService(accepted.service(), false);
    }
    assertChecks(accepted.checks());
    var request = RegisterRequest.newBuilder().setNode(ProtoConvert.toProto(accepted.node()));
    if (accepted.service() != null) {
      request.setService(ProtoConvert.toProto(accepted.service()));
    }
    accepted.checks().forEach(c -> request.addChecks(ProtoConvert.toProto(c)));
    assertThat(request.build().getSerializedSize()).isLessThanOrEqualTo(Limits.MAX_REGISTRATION_BYTES);
    Statistics.label("registration").coverage(c -> c.check("accepted").percentage(p -> p >= 5));
  }

  @Property(tries = 1500)
  void federationStatesAreRefusedCleanlyOrWithinEveryLimit(@ForAll("federationStates") FederationState state) {
    try {
      RequestValidation.federationState(FederationStateOp.UPSERT, state);
    } catch (Throwable refused) {
      assertCleanRefusal(refused);
      Statistics.label("state").collect("refused");
      return;
    }
    Statistics.label("state").collect("accepted");
    assertThat(state.datacenter()).matches(DATACENTER);
    if (state.updatedAt() != null) {
      assertThat(state.updatedAt()).isBetween(Instant.EPOCH, Instant.parse("9999-12-31T23:59:59.999Z"));
    }
    assertThat(state.primaryModifyIndex()).isNotNegative();
    assertThat(state.meshGateways()).hasSizeLessThanOrEqualTo(Limits.MAX_MESH_GATEWAYS);
    for (CheckServiceNode gateway : state.meshGateways()) {
      assertNode(gateway.node(), false);
      assertService(gateway.service(), true);
      assertChecks(gateway.checks());
    }
    FederationState widest = state.withIndexes(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE)
        .withUpdatedAt(state.updatedAt() == null ? Instant.parse("9999-12-31T23:59:59.999Z") : state.updatedAt());
    assertThat(ProtoConvert.toProto(widest).getSerializedSize()).isLessThanOrEqualTo(Limits.MAX_FEDERATION_STATE_BYTES);
    Statistics.label("state").coverage(c -> c.check("accepted").percentage(p -> p >= 5));
  }

  @Property(tries = 500)
  void checkOutputsAreCutOrRefusedCleanly(@ForAll("texts") String checkId, @ForAll("outputs") String output) {
    String stored;
    try {
      stored = RequestValidation.checkOutput(checkId, output);
    } catch (Throwable refused) {
      assertCleanRefusal(refused);
      return;
    }
    assertOutput(stored);
    assertThat(RequestValidation.checkOutput(checkId, stored)).isEqualTo(stored);
  }

  @Property(tries = 500)
  void onlyDatacenterNamesAreEverDialled(@ForAll("texts") String datacenter) {
    try {
      RequestValidation.requireValidTarget(datacenter);
      assertThat(datacenter).satisfiesAnyOf(dc -> assertThat(dc).isEmpty(), dc -> assertThat(dc).matches(DATACENTER));
    } catch (Throwable refused) {
      assertCleanRefusal(refused);
    }
  }

  // ---- what a refusal and an accepted value must look like ----

  private static void assertCleanRefusal(Throwable refused) {
    assertThat(refused).isInstanceOf(ApiException.class);
    ApiException e = (ApiException) refused;
    if (e.code() == ApiException.Code.UNAVAILABLE) {
      // A valid name of another DC: the catalog is served by its own DC only.
      assertThat(e.getMessage()).startsWith("No path to datacenter ");
    } else {
      assertThat(e.code()).isEqualTo(ApiException.Code.INVALID_ARGUMENT);
    }
    String message = e.getMessage();
    assertThat(message).isNotBlank().hasSizeLessThanOrEqualTo(512).doesNotContainPattern(CLASS_NAME);
    assertThat(controlAt(message, false)).as("a control character in %s", message).isNegative();
  }

  private static void assertNode(Node node, boolean inCatalog) {
    assertThat(node.node()).hasSizeLessThanOrEqualTo(253);
    for (String label : node.node().split("\\.", -1)) {
      assertThat(label).matches(LABEL);
    }
    assertAddress(node.address());
    assertThat(node.address()).isNotEmpty();
    if (!inCatalog && !node.datacenter().isEmpty()) {
      assertThat(node.datacenter()).matches(DATACENTER);
    }
    assertTaggedKeys(node.taggedAddresses().keySet());
    node.taggedAddresses().values().forEach(RequestValidationPropertyTest::assertAddress);
    assertMeta(node.meta());
  }

  private static void assertService(NodeService service, boolean gateway) {
    assertName(service.service(), true);
    assertName(service.id(), true);
    assertThat(service.kind()).isIn(KINDS);
    int lowest = gateway || service.kind().equals("mesh-gateway") ? 1 : 0;
    assertThat(service.port()).isBetween(lowest, 65535);
    assertAddress(service.address());
    assertThat(service.tags()).hasSizeLessThanOrEqualTo(Limits.MAX_TAGS);
    service.tags().forEach(t -> {
      assertThat(t).hasSizeLessThanOrEqualTo(Limits.MAX_TAG_LENGTH);
      assertThat(controlAt(t, false)).isNegative();
    });
    assertMeta(service.meta());
    assertTaggedKeys(service.taggedAddresses().keySet());
    service.taggedAddresses().values().forEach(a -> {
      assertThat(a.address()).isNotEmpty();
      assertAddress(a.address());
      assertThat(a.port()).isBetween(1, 65535);
    });
  }

  private static void assertChecks(List<HealthCheck> checks) {
    assertThat(checks).hasSizeLessThanOrEqualTo(Limits.MAX_CHECKS_PER_REGISTRATION).doesNotContainNull();
    for (HealthCheck c : checks) {
      assertName(c.checkId(), true);
      assertName(c.name(), false);
      assertName(c.serviceId(), false);
      assertName(c.serviceName(), false);
      assertThat(c.status()).isIn("passing", "warning", "critical");
      assertThat(c.notes().getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(Limits.MAX_CHECK_NOTES_BYTES);
      assertThat(controlAt(c.notes(), true)).isNegative();
      assertOutput(c.output());
      if (c.definition() != null) {
        String tcp = c.definition().tcp();
        assertAddress(tcp.substring(0, tcp.lastIndexOf(':')));
        assertThat(Integer.parseInt(tcp.substring(tcp.lastIndexOf(':') + 1))).isBetween(1, 65535);
      }
    }
  }

  private static void assertOutput(String output) {
    var cut = CUT_OUTPUT.matcher(output);
    String kept = cut.matches() ? cut.group(1) : output;
    assertThat(kept.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(Limits.MAX_CHECK_OUTPUT_BYTES);
    assertThat(controlAt(output, true)).isNegative();
  }

  private static void assertName(String name, boolean required) {
    if (required) {
      assertThat(name).isNotEmpty();
    }
    assertThat(name).hasSizeLessThanOrEqualTo(Limits.MAX_NAME_LENGTH);
    assertThat(controlAt(name, false)).isNegative();
  }

  private static void assertAddress(String address) {
    assertThat(address).hasSizeLessThanOrEqualTo(Limits.MAX_ADDRESS_LENGTH).doesNotContainPattern("\\s|\\p{Zs}");
    assertThat(controlAt(address, false)).isNegative();
  }

  private static void assertTaggedKeys(Set<String> keys) {
    assertThat(keys).hasSizeLessThanOrEqualTo(Limits.MAX_TAGGED_ADDRESSES)
        .allSatisfy(k -> assertThat(k).matches(KEY).hasSizeLessThanOrEqualTo(64));
  }

  private static void assertMeta(Map<String, String> meta) {
    assertThat(meta).hasSizeLessThanOrEqualTo(Limits.MAX_META_PAIRS);
    meta.forEach((k, v) -> {
      assertThat(k).matches(KEY).hasSizeLessThanOrEqualTo(Limits.MAX_META_KEY_LENGTH);
      assertThat(v).isNotNull().hasSizeLessThanOrEqualTo(Limits.MAX_META_VALUE_LENGTH);
      assertThat(controlAt(v, false)).isNegative();
    });
  }

  /** Index of the first control character, line or paragraph separator or lone surrogate; -1 if none. */
  private static int controlAt(String s, boolean lineBreaksAllowed) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (lineBreaksAllowed && (c == '\n' || c == '\r' || c == '\t')) {
        continue;
      }
      boolean lone = Character.isHighSurrogate(c) ? i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
          : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
      int type = Character.getType(c);
      if (lone || type == Character.CONTROL || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        return i;
      }
    }
    return -1;
  }

  // ---- generators: mostly plausible values, with hostile ones mixed into every field ----

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("-_.").ofMinLength(1)
            .ofMaxLength(12)),
        Tuple.of(2, Arbitraries.strings().all().ofMaxLength(40)),
        Tuple.of(1, Arbitraries.of("", " ", "\n", "a\nb", "\u0007", "\u2028", "\ud800", "é", "../..\nevil", "DC1",
            "dc1", "a".repeat(64), "x:0", "x:65536")),
        Tuple.of(1, Arbitraries.integers().between(64, 70_000).map("x"::repeat)));
  }

  private Arbitrary<String> plausible(Arbitrary<String> valid) {
    return Arbitraries.frequencyOf(Tuple.of(12, valid), Tuple.of(1, texts()));
  }

  private Arbitrary<String> names() {
    return plausible(Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("-").ofMinLength(1)
        .ofMaxLength(12).filter(s -> !s.startsWith("-") && !s.endsWith("-")));
  }

  private Arbitrary<String> addresses() {
    return plausible(Arbitraries.of("10.0.0.1", "::1", "gw.example.com", "198.51.100.7"));
  }

  private Arbitrary<Integer> ports() {
    return Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.integers().between(1, 65535)),
        Tuple.of(1, Arbitraries.of(-1, 0, 65536, Integer.MIN_VALUE, Integer.MAX_VALUE)),
        Tuple.of(1, Arbitraries.integers()));
  }

  private Arbitrary<Map<String, String>> meta() {
    Arbitrary<Map<String, String>> small = Arbitraries.maps(plausible(Arbitraries.of("rack", "zone", "version")),
        plausible(Arbitraries.of("r1", "1", "")).injectNull(0.02)).ofMaxSize(3);
    Arbitrary<Map<String, String>> many = Arbitraries.integers().between(60, 70)
        .map(n -> IntStream.range(0, n).boxed().collect(Collectors.toMap(i -> "k" + i, i -> "v")));
    return Arbitraries.frequencyOf(Tuple.of(15, small), Tuple.of(1, many));
  }

  private Arbitrary<List<String>> tags() {
    return Arbitraries.frequencyOf(Tuple.of(12, plausible(Arbitraries.of("v1", "primary")).list().ofMaxSize(4)),
        Tuple.of(1, texts().list().ofMinSize(60).ofMaxSize(70)),
        Tuple.of(1, Arbitraries.just(Collections.nCopies(10_000, "t"))));
  }

  @Provide
  Arbitrary<Node> nodes() {
    Arbitrary<String> nodeNames = Arbitraries.frequencyOf(Tuple.of(12, names()),
        Tuple.of(1, Arbitraries.of("gw1.example.com", "a/b", "a..b", "x".repeat(254))));
    Arbitrary<Map<String, String>> tagged = Arbitraries.maps(plausible(Arbitraries.of("lan", "wan", "wan_ipv4")),
        addresses()).ofMaxSize(3);
    Arbitrary<String> datacenters = Arbitraries.frequencyOf(Tuple.of(10, Arbitraries.of("", "dc1")),
        Tuple.of(1, texts()));
    return Combinators.combine(nodeNames, addresses(), datacenters, tagged, meta()).as(Node::new).injectNull(0.02);
  }

  @Provide
  Arbitrary<NodeService> services() {
    Arbitrary<String> kinds = plausible(Arbitraries.of("", "", "mesh-gateway", "connect-proxy", "api-gateway"));
    Arbitrary<Map<String, ServiceAddress>> tagged = Arbitraries.maps(plausible(Arbitraries.of("lan", "wan")),
        Combinators.combine(addresses(), ports()).as(ServiceAddress::new).injectNull(0.02)).ofMaxSize(3);
    Arbitrary<String> serviceAddresses = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just("")),
        Tuple.of(1, addresses()));
    return Combinators.combine(names(), names(), kinds, tags(), serviceAddresses, ports(), meta(), tagged)
        .as(NodeService::new).injectNull(0.2);
  }

  @Provide
  Arbitrary<String> outputs() {
    return Arbitraries.frequencyOf(Tuple.of(6, plausible(Arbitraries.of("", "ok", "line 1\nline 2\r\n\tend"))),
        Tuple.of(1, Arbitraries.integers().between(4000, 9000).map("o"::repeat)),
        Tuple.of(1, Arbitraries.integers().between(1000, 3000).map("é"::repeat)),
        Tuple.of(1, Arbitraries.just("o".repeat(7 * 1024 * 1024))));
  }

  private Arbitrary<HealthCheck> checks() {
    Arbitrary<String> statuses = plausible(Arbitraries.of("passing", "warning", "critical", ""));
    Arbitrary<String> optional = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just("")), Tuple.of(1, names()));
    Arbitrary<String> notes = Arbitraries.frequencyOf(Tuple.of(8, plausible(Arbitraries.of("", "see runbook"))),
        Tuple.of(1, Arbitraries.integers().between(1000, 1100).map("n"::repeat)));
    Arbitrary<CheckDefinition> definitions = Combinators.combine(
            Combinators.combine(addresses(), ports()).as((h, p) -> h + ":" + p),
            plausible(Arbitraries.of("1s", "10s", "500ms")), plausible(Arbitraries.of("", "2s")))
        .as(CheckDefinition::new).injectNull(0.7);
    Arbitrary<HealthCheck> partial = Combinators.combine(optional, names(), optional, statuses, notes, outputs())
        .as((node, id, name, status, note, output) -> new HealthCheck(node, id, name, status, note, output, "", ""));
    return Combinators.combine(partial, optional, optional, definitions)
        .as((c, serviceId, serviceName, definition) -> new HealthCheck(c.node(), c.checkId(), c.name(), c.status(),
            c.notes(), c.output(), serviceId, serviceName, definition))
        .injectNull(0.01);
  }

  @Provide
  Arbitrary<List<HealthCheck>> checkLists() {
    return Arbitraries.frequencyOf(Tuple.of(12, checks().list().ofMaxSize(3)),
        Tuple.of(1, checks().list().ofMinSize(30).ofMaxSize(34)));
  }

  @Provide
  Arbitrary<FederationState> federationStates() {
    // A gateway's checks are never null: neither JSON nor protobuf can decode one that is.
    Arbitrary<CheckServiceNode> gateways = Combinators.combine(nodes(), services(),
            checkLists().map(l -> l.stream().filter(Objects::nonNull).toList()))
        .as(CheckServiceNode::new);
    Arbitrary<List<CheckServiceNode>> gatewayLists = Arbitraries.frequencyOf(
        Tuple.of(12, gateways.list().ofMaxSize(3)), Tuple.of(1, gateways.list().ofMinSize(30).ofMaxSize(34)));
    Arbitrary<Instant> updatedAt = Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.longs().between(0, 253402300799999L).map(Instant::ofEpochMilli)),
        Tuple.of(1, Arbitraries.longs().map(Instant::ofEpochMilli)),
        Tuple.of(1, Arbitraries.of(Instant.MIN, Instant.MAX, Instant.parse("+10000-01-01T00:00:00Z"))))
        .injectNull(0.3);
    Arbitrary<Long> indexes = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.longs().between(0, 1000)),
        Tuple.of(1, Arbitraries.longs()));
    Arbitrary<String> datacenters = plausible(Arbitraries.strings().withCharRange('a', 'z').numeric()
        .ofMinLength(1).ofMaxLength(10));
    return Combinators.combine(datacenters, gatewayLists, updatedAt, indexes, indexes, indexes)
        .as(FederationState::new).injectNull(0.01);
  }
}
