package io.meshfed.protocol.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.protocol.convert.ProtoConvert;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonShapeTest {
  static FederationState sample() {
    Node node = new Node("gw1", "10.0.0.1", "dc2", Map.of("wan", "198.51.100.1"), Map.of("rack", "r1"));
    NodeService svc = new NodeService("", "mesh-gateway", "mesh-gateway", List.of("a"), "10.0.0.1", 8443,
        Map.of("meshfed-wan-federation", "1"), Map.of("wan", new ServiceAddress("198.51.100.1", 443)));
    HealthCheck check = new HealthCheck("gw1", "alive", "alive", "", "", "", "mesh-gateway", "mesh-gateway");
    return new FederationState("dc2", List.of(new CheckServiceNode(node, svc, List.of(check))),
        Instant.parse("2026-11-26T01:02:03.004Z"), 7, 5, 7);
  }

  @Test
  void consulFieldNamesAndDefaults() throws Exception {
    JsonNode json = Json.mapper().valueToTree(sample());
    assertThat(json.get("Datacenter").asText()).isEqualTo("dc2");
    assertThat(json.get("UpdatedAt").asText()).isEqualTo("2026-11-26T01:02:03.004Z");
    assertThat(json.at("/MeshGateways/0/Service/ID").asText()).isEqualTo("mesh-gateway");
    assertThat(json.at("/MeshGateways/0/Service/TaggedAddresses/wan/Port").asInt()).isEqualTo(443);
    assertThat(json.at("/MeshGateways/0/Checks/0/Status").asText()).isEqualTo(HealthCheck.CRITICAL);
    assertThat(json.at("/MeshGateways/0/Checks/0/CheckID").asText()).isEqualTo("alive");
    assertThat(Json.mapper().treeToValue(json, FederationState.class)).isEqualTo(sample());
  }

  @Test
  void protobufRoundTripIsLossless() {
    assertThat(ProtoConvert.fromProto(ProtoConvert.toProto(sample()))).isEqualTo(sample());
    FederationState bare = new FederationState("dc3", null, null, 0, 0, 0);
    assertThat(ProtoConvert.fromProto(ProtoConvert.toProto(bare))).isEqualTo(bare);
  }

  @Test
  void metaLimits() {
    assertThat(Validation.metaError("service meta", Map.of("k", "v"))).isEmpty();
    assertThat(Validation.metaError("service meta", Map.of("bad key", "v"))).isPresent();
    assertThat(Validation.metaError("service meta", Map.of("k".repeat(128), "v"))).isEmpty();
    assertThat(Validation.metaError("service meta", Map.of("k".repeat(129), "v"))).isPresent();
    assertThat(Validation.metaError("service meta", Map.of("k", "v".repeat(512)))).isEmpty();
    assertThat(Validation.metaError("service meta", Map.of("k", "v".repeat(513)))).isPresent();
  }
}
