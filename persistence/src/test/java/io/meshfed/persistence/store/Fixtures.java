package io.meshfed.persistence.store;

import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Catalog, federation-state and ACL values for the store tests. */
final class Fixtures {
  private Fixtures() {}

  static AclPolicy policy(String name, String rules) {
    return new AclPolicy(name, "policy " + name, rules, 0, 0);
  }

  /** A token whose accessor ID and secret hash are made from {@code n}, so that different {@code n} differ. */
  static AclToken token(int n, String... policies) {
    return new AclToken(String.format("00000000-0000-4000-8000-%012d", n), String.format("%064x", n),
        "token " + n, List.of(policies), Instant.parse("2026-01-02T03:04:05Z"), 0, 0);
  }

  static Node node(String name) {
    return new Node(name, "10.0.0.1", "dc1", Map.of("lan", "10.0.0.1"), Map.of("rack", "r1"));
  }

  static NodeService service(String id, String name) {
    return new NodeService(id, name, "", List.of("v1"), "", 8080, Map.of(), Map.of());
  }

  static NodeService gateway(String id, int wanPort) {
    return new NodeService(id, "mesh-gateway", "mesh-gateway", List.of(), "10.0.0.1", 8443,
        Map.of("consul-wan-federation", "1"),
        Map.of(NodeService.TAG_WAN, new ServiceAddress("203.0.113.1", wanPort)));
  }

  static HealthCheck nodeCheck(String id, String status) {
    return new HealthCheck(null, id, id, status, "", "", "", "");
  }

  static HealthCheck serviceCheck(String id, String serviceId, String status) {
    return new HealthCheck(null, id, id, status, "", "", serviceId, "");
  }

  static CheckServiceNode gatewayEntry(String node, int wanPort) {
    return new CheckServiceNode(node(node), gateway("gw-" + node, wanPort),
        List.of(nodeCheck("serfHealth", HealthCheck.PASSING).withNode(node)));
  }

  static FederationState federationState(String dc, CheckServiceNode... gateways) {
    return new FederationState(dc, List.of(gateways), null, 0, 0, 0);
  }
}
