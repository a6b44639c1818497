package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A service instance with its node and the checks that apply to it (Consul's CheckServiceNode). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CheckServiceNode(
    @JsonProperty("Node") Node node,
    @JsonProperty("Service") NodeService service,
    @JsonProperty("Checks") List<HealthCheck> checks) {

  public CheckServiceNode {
    checks = checks == null ? List.of() : List.copyOf(checks);
  }
}
