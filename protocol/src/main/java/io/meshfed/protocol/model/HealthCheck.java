package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Set;

/** A health check; JSON in Consul's shape. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HealthCheck(
    @JsonProperty("Node") String node,
    @JsonProperty("CheckID") String checkId,
    @JsonProperty("Name") String name,
    @JsonProperty("Status") String status,
    @JsonProperty("Notes") String notes,
    @JsonProperty("Output") String output,
    @JsonProperty("ServiceID") String serviceId,
    @JsonProperty("ServiceName") String serviceName,
    @JsonProperty("Definition") @JsonInclude(JsonInclude.Include.NON_NULL) CheckDefinition definition) {

  public static final String PASSING = "passing";
  public static final String WARNING = "warning";
  public static final String CRITICAL = "critical";
  public static final Set<String> STATUSES = Set.of(PASSING, WARNING, CRITICAL);

  public HealthCheck {
    node = Strings.orEmpty(node);
    checkId = Strings.orEmpty(checkId);
    name = Strings.orEmpty(name);
    // Consul: a check registered without a status starts critical.
    status = Strings.orEmpty(status).isEmpty() ? CRITICAL : status;
    notes = Strings.orEmpty(notes);
    output = Strings.orEmpty(output);
    serviceId = Strings.orEmpty(serviceId);
    serviceName = Strings.orEmpty(serviceName);
  }

  /** A check that nobody in the DC runs: its status is set by whoever registered it. */
  public HealthCheck(String node, String checkId, String name, String status, String notes, String output,
      String serviceId, String serviceName) {
    this(node, checkId, name, status, notes, output, serviceId, serviceName, null);
  }

  public HealthCheck withStatus(String newStatus, String newOutput) {
    return new HealthCheck(node, checkId, name, newStatus, notes, newOutput, serviceId, serviceName, definition);
  }

  public HealthCheck withNode(String newNode) {
    return new HealthCheck(newNode, checkId, name, status, notes, output, serviceId, serviceName, definition);
  }

  public HealthCheck withServiceName(String newServiceName) {
    return new HealthCheck(node, checkId, name, status, notes, output, serviceId, newServiceName, definition);
  }

  public boolean isCritical() {
    return CRITICAL.equals(status);
  }
}
