package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** A service on a node as journaled. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalService(
    @JsonProperty("ID") String id,
    @JsonProperty("Service") String service,
    @JsonProperty("Kind") String kind,
    @JsonProperty("Tags") List<String> tags,
    @JsonProperty("Address") String address,
    @JsonProperty("Port") int port,
    @JsonProperty("Meta") Map<String, String> meta,
    @JsonProperty("TaggedAddresses") Map<String, JournalServiceAddress> taggedAddresses) {}
