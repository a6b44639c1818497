package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A health check as journaled; {@code definition} is absent for a check nobody in the DC runs. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalCheck(
    @JsonProperty("Node") String node,
    @JsonProperty("CheckID") String checkId,
    @JsonProperty("Name") String name,
    @JsonProperty("Status") String status,
    @JsonProperty("Notes") String notes,
    @JsonProperty("Output") String output,
    @JsonProperty("ServiceID") String serviceId,
    @JsonProperty("ServiceName") String serviceName,
    @JsonProperty("Definition") @JsonInclude(JsonInclude.Include.NON_NULL) JournalCheckDefinition definition) {}
