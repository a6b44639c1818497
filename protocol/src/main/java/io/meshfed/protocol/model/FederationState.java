package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * The mesh gateways of one DC. {@code createIndex}/{@code modifyIndex} are the
 * local store's; {@code primaryModifyIndex} is the record's modify index in the primary.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FederationState(
    @JsonProperty("Datacenter") String datacenter,
    @JsonProperty("MeshGateways") List<CheckServiceNode> meshGateways,
    @JsonProperty("UpdatedAt") Instant updatedAt,
    @JsonProperty("PrimaryModifyIndex") long primaryModifyIndex,
    @JsonProperty("CreateIndex") long createIndex,
    @JsonProperty("ModifyIndex") long modifyIndex) {

  public FederationState {
    datacenter = Strings.orEmpty(datacenter);
    meshGateways = meshGateways == null ? List.of() : List.copyOf(meshGateways);
  }

  public FederationState withIndexes(long primaryModify, long create, long modify) {
    return new FederationState(datacenter, meshGateways, updatedAt, primaryModify, create, modify);
  }

  public FederationState withUpdatedAt(Instant at) {
    return new FederationState(datacenter, meshGateways, at, primaryModifyIndex, createIndex, modifyIndex);
  }
}
