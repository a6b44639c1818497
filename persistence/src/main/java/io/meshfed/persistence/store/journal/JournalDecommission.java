package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A decommissioned DC in a snapshot: its name as the operator gave it, and when (ISO-8601 text).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalDecommission(@JsonProperty("datacenter") String datacenter, @JsonProperty("at") String at) {}
