package io.meshfed.cli.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshfed.protocol.model.FederationState;

/** The answer of {@code GET /v1/internal/federation-state/<dc>}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record StateAnswer(
    @JsonProperty("State") FederationState state,
    @JsonProperty("Index") long index,
    @JsonProperty("KnownLeader") boolean knownLeader) {}
