package io.meshfed.protocol.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.convert.ProtoConvert;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ValidationTest {
  static Node node(String name, String address) {
    return new Node(name, address, "dc1", Map.of("lan", "10.0.0.1"), Map.of("rack", "r1"));
  }

  static NodeService service(String name, String kind, int port) {
    return new NodeService("", name, kind, List.of("v1"), "", port, Map.of(), Map.of());
  }

  static NodeService gatewayService(int port, Map<String, ServiceAddress> tagged) {
    return new NodeService("mesh-gateway", "mesh-gateway", "mesh-gateway", List.of(), "10.0.0.1", port,
        Map.of("meshfed-wan-federation", "1"), tagged);
  }

  static HealthCheck check(String id) {
    return new HealthCheck("n1", id, "alive", HealthCheck.PASSING, "", "", "", "");
  }

  static Optional<String> register(Node node, NodeService service, HealthCheck... checks) {
    return Validation.registrationError(node, service, List.of(checks));
  }

  static Optional<String> register(NodeService service) {
    return register(node("n1", "10.0.0.1"), service);
  }

  static FederationState state(String dc, CheckServiceNode... gateways) {
    return new FederationState(dc, List.of(gateways), null, 0, 0, 0);
  }

  static CheckServiceNode gateway(String node) {
    return new CheckServiceNode(node(node, "10.0.0.2"),
        gatewayService(8443, Map.of("wan", new ServiceAddress("198.51.100.1", 443))), List.of(check("alive")));
  }

  // ---- registrations ----

  @Test
  void whatTheServersAndGatewaysRegisterIsValid() {
    // MemberReconciler: the meshfed service with its LAN address and a check.
    assertThat(register(node("n1", "127.0.0.1"),
        new NodeService("meshfed", "meshfed", "", List.of(), "127.0.0.1", 8300, Map.of(),
            Map.of("lan", new ServiceAddress("127.0.0.1", 8300))),
        new HealthCheck("n1", "meshfed-server", "meshfed server", "passing", "", "LAN member status: Up",
            "meshfed", "meshfed"))).isEmpty();
    // GatewayRegistration: kind mesh-gateway, lan and wan, the opt-in meta and a TCP check.
    assertThat(register(new Node("gw1.example.com", "::1", "dc1", Map.of(), Map.of()),
        gatewayService(8443, Map.of("lan", new ServiceAddress("::1", 8443), "wan", new ServiceAddress("gw.example.com", 443))),
        new HealthCheck("gw1.example.com", "mesh-gateway-listening", "mesh gateway listening", "critical", "", "",
            "mesh-gateway", "mesh-gateway", new CheckDefinition("::1:8443", "5s", "2s")))).isEmpty();
    assertThat(register(node("n1", "10.0.0.1"), null)).isEmpty();
  }

  @Test
  void nodeRules() {
    assertThat(register(node("bad/name", "10.0.0.1"), null))
        .contains("invalid node name 'bad/name': it must not contain '/'");
    assertThat(register(node("n1", ""), null)).contains("missing address on node 'n1'");
    assertThat(register(node("n1", "10.0.0.1\nevil"), null))
        .contains("node address \"10.0.0.1\\nevil\": whitespace and control characters are not allowed");
    assertThat(register(node("n1", "a b"), null))
        .contains("node address \"a b\": whitespace and control characters are not allowed");
    assertThat(register(node("n1", "a".repeat(256)), null))
        .contains("node address \"" + "a".repeat(64) + "\"…(256 chars): longer than 255 characters");
    assertThat(register(node("n1", "a".repeat(255)), null)).isEmpty();
    assertThat(register(new Node("n1", "10.0.0.1", "DC1", Map.of(), Map.of()), null))
        .contains("node datacenter: invalid datacenter name 'DC1': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
    assertThat(register(new Node("n1", "10.0.0.1", "", Map.of(), Map.of()), null)).isEmpty();
  }

  @Test
  void taggedAddressRules() {
    Map<String, String> seventeen = new HashMap<>();
    IntStream.range(0, 17).forEach(i -> seventeen.put("k" + i, "10.0.0." + i));
    assertThat(register(new Node("n1", "10.0.0.1", "", seventeen, Map.of()), null))
        .contains("node tagged addresses: 17 exceed the limit of 16");
    assertThat(register(new Node("n1", "10.0.0.1", "", Map.of("lan ipv4", "10.0.0.1"), Map.of()), null))
        .contains("node tagged address \"lan ipv4\": a key is 1 to 64 letters, digits, '_' or '-'");
    assertThat(register(new Node("n1", "10.0.0.1", "", Map.of("k".repeat(65), "10.0.0.1"), Map.of()), null))
        .contains("node tagged address \"" + "k".repeat(64) + "\"…(65 chars): a key is 1 to 64 letters, digits, "
            + "'_' or '-'");
    assertThat(register(new Node("n1", "10.0.0.1", "", Map.of("wan", "1.2.3.4\r"), Map.of()), null))
        .contains("node tagged address \"wan\" \"1.2.3.4\\r\": whitespace and control characters are not allowed");

    assertThat(register(gatewayService(8443, Map.of("wan", new ServiceAddress("", 443)))))
        .contains("service tagged address \"wan\": missing Address");
    assertThat(register(gatewayService(8443, Map.of("wan", new ServiceAddress("198.51.100.1", 0)))))
        .contains("service tagged address \"wan\": port 0 is not in 1-65535");
    assertThat(register(gatewayService(8443, Map.of("wan", new ServiceAddress("198.51.100.1", 65536)))))
        .contains("service tagged address \"wan\": port 65536 is not in 1-65535");
    Map<String, ServiceAddress> withNull = new HashMap<>();
    withNull.put("wan", null);
    assertThat(register(gatewayService(8443, withNull))).contains("service tagged address \"wan\": missing Address");
  }

  @Test
  void serviceRules() {
    assertThat(register(service("", "", 80))).contains("service name is required");
    assertThat(register(service("web\n", "", 80)))
        .contains("service name \"web\\n\": control characters are not allowed");
    assertThat(register(service("w".repeat(257), "", 80)))
        .contains("service name \"" + "w".repeat(64) + "\"…(257 chars): longer than 256 characters");
    assertThat(register(service("w".repeat(256), "", 80))).isEmpty();
    assertThat(register(new NodeService("web\u0000", "web", "", List.of(), "", 80, Map.of(), Map.of())))
        .contains("service ID \"web\\u0000\": control characters are not allowed");
    assertThat(register(service("web", "frob", 80))).contains("service kind \"frob\": use \"\" (a typical service), "
        + "connect-proxy, mesh-gateway, terminating-gateway, ingress-gateway or api-gateway");
    for (String kind : List.of("connect-proxy", "terminating-gateway", "ingress-gateway", "api-gateway")) {
      assertThat(register(service("web", kind, 80))).as(kind).isEmpty();
    }
    assertThat(register(new NodeService("", "web", "", List.of(), "10.0.0.1 ", 80, Map.of(), Map.of())))
        .contains("service address \"10.0.0.1 \": whitespace and control characters are not allowed");
  }

  @Test
  void portRules() {
    assertThat(register(service("web", "", 70000))).contains("service port 70000: use 1-65535, or 0 for none");
    assertThat(register(service("web", "", -5))).contains("service port -5: use 1-65535, or 0 for none");
    assertThat(register(service("web", "", 0))).isEmpty();
    assertThat(register(service("web", "", 65535))).isEmpty();
    assertThat(register(gatewayService(0, Map.of())))
        .contains("service port 0: a mesh gateway needs a port in 1-65535");
  }

  @Test
  void tagRules() {
    assertThat(register(withTags(Collections.nCopies(10_000, "t"))))
        .contains("service tags: 10000 exceed the limit of 64");
    assertThat(register(withTags(Collections.nCopies(64, "t")))).isEmpty();
    assertThat(register(withTags(List.of("ok", "x".repeat(1 << 20)))))
        .contains("service tag 2 \"" + "x".repeat(64) + "\"…(1048576 chars): longer than 256 characters");
    assertThat(register(withTags(List.of("a\u001bb"))))
        .contains("service tag 1 \"a\\u001Bb\": control characters are not allowed");
  }

  private static NodeService withTags(List<String> tags) {
    return new NodeService("", "web", "", tags, "", 80, Map.of(), Map.of());
  }

  @Test
  void metaRules() {
    assertThat(Validation.metaError("service meta", Map.of("k", "v\n"))).contains(
        "service meta: the value of 'k' \"v\\n\" holds a control character");
    assertThat(Validation.metaError("service meta", Map.of("k", "line\u2028sep"))).contains(
        "service meta: the value of 'k' \"line\\u2028sep\" holds a control character");
    assertThat(Validation.metaError("node meta", Map.of("bad\nkey", "v")))
        .contains("node meta: key 'bad\\nkey' may only hold letters, digits, '_' and '-'");
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("k", null);
    // Consul's clients send "k": null; it is read as "", as Consul reads it, and so valid.
    Node withNull = new Node("n1", "10.0.0.1", "", nullValue, nullValue);
    assertThat(withNull.meta()).containsExactly(Map.entry("k", ""));
    assertThat(withNull.taggedAddresses()).containsExactly(Map.entry("k", ""));
    assertThat(Validation.metaError("node meta", withNull.meta())).isEmpty();
    assertThat(Validation.metaError("service meta", Map.of("k", "café"))).isEmpty();
  }

  @Test
  void checkRules() {
    HealthCheck[] tooMany = IntStream.range(0, 33).mapToObj(i -> check("c" + i)).toArray(HealthCheck[]::new);
    assertThat(register(node("n1", "10.0.0.1"), null, tooMany))
        .contains("33 checks exceed the limit of 32 per registration");
    assertThat(register(node("n1", "10.0.0.1"), null, check("")))
        .contains("check ID is required (node 'n1')");
    assertThat(register(node("n1", "10.0.0.1"), null, check("c\n1")))
        .contains("check ID \"c\\n1\": control characters are not allowed");
    assertThat(register(node("n1", "10.0.0.1"), null, check("c".repeat(300))))
        .contains("check ID \"" + "c".repeat(64) + "\"…(300 chars): longer than 256 characters");
    assertThat(register(node("n1", "10.0.0.1"), null,
        new HealthCheck("n1", "c1", "", "broken", "", "", "", "")))
        .contains("invalid check status 'broken': use passing, warning or critical");
    assertThat(register(node("n1", "10.0.0.1"), null,
        new HealthCheck("n1", "c1", "name\u0000", "passing", "", "", "", "")))
        .contains("check \"c1\" name \"name\\u0000\": control characters are not allowed");
    assertThat(register(node("n1", "10.0.0.1"), null,
        new HealthCheck("bad node", "c1", "", "passing", "", "", "", "")))
        .contains("check \"c1\": invalid node name 'bad node': each dot-separated part must be 1 to 63 letters, "
            + "digits, '-' or '_', not starting or ending with '-'");
    assertThat(register(node("n1", "10.0.0.1"), null,
        new HealthCheck("n1", "c1", "", "passing", "", "", "web\u0001", "")))
        .contains("check \"c1\" service ID \"web\\u0001\": control characters are not allowed");
    assertThat(register(node("n1", "10.0.0.1"), null,
        new HealthCheck("n1", "c1", "", "passing", "n".repeat(1025), "", "", "")))
        .contains("check \"c1\" notes: 1025 bytes exceed the limit of 1024");
    // Notes and Output are text: line breaks and tabs are fine, other control characters are not.
    assertThat(register(node("n1", "10.0.0.1"), null,
        new HealthCheck("n1", "c1", "", "passing", "a\nb\r\tc", "line 1\nline 2\r\n\tend", "", ""))).isEmpty();
    assertThat(register(node("n1", "10.0.0.1"), null,
        new HealthCheck("n1", "c1", "", "passing", "", "bell\u0007", "", "")))
        .contains("check \"c1\" output: control characters other than \\n, \\r and \\t are not allowed");
    assertThat(register(node("n1", "10.0.0.1"), null,
        new HealthCheck("n1", "c1", "", "passing", "", "o".repeat(4097), "", "")))
        .contains("check \"c1\" output: 4097 bytes exceed the limit of 4096");
    List<HealthCheck> withNull = new ArrayList<>(List.of(check("c1")));
    withNull.add(null);
    assertThat(Validation.registrationError(node("n1", "10.0.0.1"), null, withNull)).contains("check 2 is empty");
  }

  @Test
  void checkDefinitionsAreDialledAndSoValidatedLikeAddresses() {
    assertThat(register(node("n1", "10.0.0.1"), null, new HealthCheck("n1", "tcp", "", "passing", "", "", "", "",
        new CheckDefinition("gw:0", "5s", ""))))
        .contains("invalid check \"tcp\": Definition.TCP must be HOST:PORT with a port in 1-65535, got \"gw:0\"");
    assertThat(register(node("n1", "10.0.0.1"), null, new HealthCheck("n1", "tcp", "", "passing", "", "", "", "",
        new CheckDefinition("evil\nhost:80", "5s", ""))))
        .contains("invalid check \"tcp\": Definition.TCP host \"evil\\nhost\": whitespace and control characters are "
            + "not allowed");
    assertThat(register(node("n1", "10.0.0.1"), null, new HealthCheck("n1", "tcp", "", "passing", "", "", "", "",
        new CheckDefinition("gw:80", "1\n", ""))))
        .contains("invalid check \"tcp\": Definition.Interval must be a duration of at least 1s (e.g. \"10s\"), "
            + "got \"1\\n\"");
  }

  @Test
  void aRegistrationIsAtMost16KiBEncoded() {
    List<HealthCheck> checks = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      checks.add(new HealthCheck("n1", "c" + i, "", "passing", "n".repeat(1000), "", "", ""));
    }
    Node node = node("n1", "10.0.0.1");
    int size = io.meshfed.protocol.v1.RegisterRequest.newBuilder().setNode(ProtoConvert.toProto(node))
        .addAllChecks(checks.stream().map(ProtoConvert::toProto).toList()).build().getSerializedSize();
    assertThat(size).isGreaterThan(Limits.MAX_REGISTRATION_BYTES);
    assertThat(Validation.registrationError(node, null, checks)).contains("the registration is " + size
        + " bytes encoded, over the limit of 16384; register fewer or shorter checks, tags and meta");
    assertThat(Validation.registrationError(node, null, checks.subList(0, 15))).isEmpty();
  }

  // ---- check output ----

  @Test
  void outputIsTruncatedLikeConsulsAgentAndOnlyOnce() {
    String seven = "x".repeat(7 * 1024 * 1024);
    String cut = Validation.truncatedOutput(seven);
    assertThat(cut).isEqualTo("x".repeat(4096) + " ... (captured 4096 of 7340032 bytes)");
    assertThat(Validation.truncatedOutput(cut)).isSameAs(cut);
    assertThat(Validation.checkOutputError("c1", cut)).isEmpty();
    assertThat(Validation.truncatedOutput("short")).isEqualTo("short");
    assertThat(Validation.truncatedOutput("o".repeat(4096))).isEqualTo("o".repeat(4096));
    // A character is never cut in two: "é" is two bytes, the 4096th byte is the first of one.
    String accents = "a" + "é".repeat(3000);
    String cutAccents = Validation.truncatedOutput(accents);
    assertThat(cutAccents).isEqualTo("a" + "é".repeat(2047) + " ... (captured 4095 of 6001 bytes)");
    assertThat(cutAccents.substring(0, cutAccents.indexOf(" ...")).getBytes(StandardCharsets.UTF_8)).hasSize(4095);
    // Something that only looks cut is measured like any output.
    assertThat(Validation.checkOutputError("c1", "x".repeat(5000) + " ... (captured 5000 of 9000 bytes)"))
        .contains("check \"c1\" output: 5034 bytes exceed the limit of 4096");
  }

  // ---- federation states ----

  @Test
  void aValidStateWithTheLimitsOfGateways() {
    assertThat(Validation.federationStateError(state("dc2", gateway("gw1")))).isEmpty();
    assertThat(Validation.federationStateError(state("dc2"))).isEmpty();
    CheckServiceNode[] max = IntStream.range(0, 32).mapToObj(i -> gateway("gw" + i)).toArray(CheckServiceNode[]::new);
    assertThat(Validation.federationStateError(state("dc2", max))).isEmpty();
  }

  @Test
  void federationStateRules() {
    assertThat(Validation.federationStateError(state(""))).contains("missing federation state datacenter");
    assertThat(Validation.federationStateError(state("..\nevil")))
        .contains("invalid datacenter name '..\\nevil': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
    CheckServiceNode[] tooMany = IntStream.range(0, 33).mapToObj(i -> gateway("gw" + i)).toArray(CheckServiceNode[]::new);
    assertThat(Validation.federationStateError(state("dc2", tooMany))).contains("33 mesh gateways exceed the limit of 32");
    assertThat(Validation.federationStateError(state("dc2", gateway("gw1"),
        new CheckServiceNode(null, gatewayService(8443, Map.of()), List.of()))))
        .contains("mesh gateway 2 has no Node");
    assertThat(Validation.federationStateError(state("dc2", new CheckServiceNode(node("gw1", "10.0.0.2"), null,
        List.of())))).contains("mesh gateway 1 (node \"gw1\") has no Service");
    assertThat(Validation.federationStateError(state("dc2", new CheckServiceNode(node("gw\n1", "10.0.0.2"),
        gatewayService(8443, Map.of()), List.of()))))
        .contains("mesh gateway 1 invalid node name 'gw\\n1': each dot-separated part must be 1 to 63 letters, "
            + "digits, '-' or '_', not starting or ending with '-'");
    // Every gateway needs a port, whatever its kind says.
    assertThat(Validation.federationStateError(state("dc2", new CheckServiceNode(node("gw1", "10.0.0.2"),
        service("web", "", 0), List.of()))))
        .contains("mesh gateway 1 service port 0: a mesh gateway needs a port in 1-65535");
    assertThat(Validation.federationStateError(state("dc2", new CheckServiceNode(
        new Node("gw1", "10.0.0.2", "DC2", Map.of(), Map.of()), gatewayService(8443, Map.of()), List.of()))))
        .contains("mesh gateway 1 node datacenter: invalid datacenter name 'DC2': use 1 to 63 characters of a-z, "
            + "0-9, '_' and '-' (no dots, no upper case)");
    List<HealthCheck> checks = IntStream.range(0, 33).mapToObj(i -> check("c" + i)).toList();
    assertThat(Validation.federationStateError(state("dc2", new CheckServiceNode(node("gw1", "10.0.0.2"),
        gatewayService(8443, Map.of()), checks)))).contains("mesh gateway 1 has 33 checks, over the limit of 32");
  }

  @Test
  void updatedAtAndPrimaryModifyIndexRanges() {
    FederationState base = state("dc2", gateway("gw1"));
    assertThat(Validation.federationStateError(base.withUpdatedAt(Instant.ofEpochMilli(Long.MIN_VALUE))))
        .contains("UpdatedAt -292275055-05-16T16:47:04.192Z is outside 1970-01-01T00:00:00Z to "
            + "9999-12-31T23:59:59.999Z");
    assertThat(Validation.federationStateError(base.withUpdatedAt(Instant.parse("+10000-01-01T00:00:00Z"))))
        .contains("UpdatedAt +10000-01-01T00:00:00Z is outside 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z");
    assertThat(Validation.federationStateError(base.withUpdatedAt(Instant.EPOCH))).isEmpty();
    assertThat(Validation.federationStateError(base.withUpdatedAt(Limits.MAX_UPDATED_AT))).isEmpty();
    assertThat(Validation.federationStateError(base.withIndexes(-1, 0, 0)))
        .contains("PrimaryModifyIndex must be within 0 and 9223372036854775807");
    assertThat(Validation.federationStateError(base.withIndexes(Long.MAX_VALUE, 0, 0))).isEmpty();
    // CreateIndex and ModifyIndex are ignored on write, whatever they hold.
    assertThat(Validation.federationStateError(base.withIndexes(0, -1, Long.MIN_VALUE))).isEmpty();
  }

  @Test
  void aFederationStateIsAtMost64KiBMeasuredAtItsWidest() {
    List<String> tags = Collections.nCopies(64, "t".repeat(256));
    CheckServiceNode big = new CheckServiceNode(node("gw1", "10.0.0.2"), new NodeService("mesh-gateway",
        "mesh-gateway", "mesh-gateway", tags, "", 8443, Map.of(), Map.of()), List.of());
    FederationState four = state("dc2", big, big, big, big);
    FederationState three = state("dc2", big, big, big);
    int widest = ProtoConvert.toProto(four.withIndexes(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE)
        .withUpdatedAt(Limits.MAX_UPDATED_AT)).getSerializedSize();
    assertThat(widest).isGreaterThan(Limits.MAX_FEDERATION_STATE_BYTES);
    assertThat(Validation.federationStateError(four)).contains("the federation state of 'dc2' is " + widest
        + " bytes encoded, over the limit of 65536");
    assertThat(Validation.federationStateError(three)).isEmpty();
    assertThat(ProtoConvert.encodedSize(three.withIndexes(1, 2, 3).withUpdatedAt(Instant.now())))
        .isLessThanOrEqualTo(ProtoConvert.encodedSize(three));
  }
}
