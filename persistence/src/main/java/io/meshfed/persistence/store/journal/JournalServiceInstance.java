package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A service instance with its node and checks, as a federation state lists its mesh gateways. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalServiceInstance(
    @JsonProperty("Node") JournalNode node,
    @JsonProperty("Service") JournalService service,
    @JsonProperty("Checks") List<JournalCheck> checks) {}
