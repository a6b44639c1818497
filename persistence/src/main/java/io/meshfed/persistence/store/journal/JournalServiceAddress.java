package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One tagged address of a service. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalServiceAddress(@JsonProperty("Address") String address, @JsonProperty("Port") int port) {}
