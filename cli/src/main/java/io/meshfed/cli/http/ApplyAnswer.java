package io.meshfed.cli.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The answer of {@code PUT /v1/internal/federation-state}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ApplyAnswer(@JsonProperty("Index") long index, @JsonProperty("Applied") boolean applied) {}
