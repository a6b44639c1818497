package io.meshfed.persistence.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import java.util.List;

/**
 * What the store journals. Each event carries everything its effect depends on (the upsert carries
 * the UpdatedAt chosen by the command handler), so replaying the journal rebuilds the same state and
 * indexes; the indexes themselves are derived from the event's position.
 */
sealed interface StoreEvent extends StoreSerializable {

  /** A federation state as written; its indexes are assigned when it is applied. */
  record FederationStateUpserted(@JsonProperty("state") FederationState state) implements StoreEvent {}

  /** The state of {@code datacenter} (present when journaled) was removed. */
  record FederationStateDeleted(@JsonProperty("datacenter") String datacenter) implements StoreEvent {}

  /** A validated registration; every check already names {@code node}. */
  record CatalogRegistered(
      @JsonProperty("node") Node node,
      @JsonProperty("service") NodeService service,
      @JsonProperty("checks") List<HealthCheck> checks)
      implements StoreEvent {

    public CatalogRegistered {
      checks = checks == null ? List.of() : List.copyOf(checks);
    }
  }

  /** A check, a service with its checks, or a whole node was removed. */
  record CatalogDeregistered(
      @JsonProperty("node") String node,
      @JsonProperty("serviceId") String serviceId,
      @JsonProperty("checkId") String checkId)
      implements StoreEvent {}

  record CheckUpdated(
      @JsonProperty("node") String node,
      @JsonProperty("checkId") String checkId,
      @JsonProperty("status") String status,
      @JsonProperty("output") String output)
      implements StoreEvent {}
}
