package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** How the DC's leader runs a check: a TCP connect to {@code tcp} every {@code interval}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalCheckDefinition(
    @JsonProperty("TCP") String tcp,
    @JsonProperty("Interval") String interval,
    @JsonProperty("Timeout") String timeout) {}
