package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One DC's federation state as journaled.
 *
 * @param updatedAt ISO-8601 in UTC ({@code Instant.toString()}); null when unset
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalFederationState(
    @JsonProperty("Datacenter") String datacenter,
    @JsonProperty("MeshGateways") List<JournalServiceInstance> meshGateways,
    @JsonProperty("UpdatedAt") String updatedAt,
    @JsonProperty("PrimaryModifyIndex") long primaryModifyIndex,
    @JsonProperty("CreateIndex") long createIndex,
    @JsonProperty("ModifyIndex") long modifyIndex) {}
