package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** One node of a snapshot's catalog with its services (by id) and checks (by check id). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalCatalogNode(
    @JsonProperty("node") JournalNode node,
    @JsonProperty("services") Map<String, JournalService> services,
    @JsonProperty("checks") Map<String, JournalCheck> checks) {}
