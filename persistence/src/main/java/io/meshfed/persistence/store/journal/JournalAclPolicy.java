package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** An ACL policy as journaled; {@code rules} is the JSON text the server checked. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalAclPolicy(
    @JsonProperty("Name") String name,
    @JsonProperty("Description") String description,
    @JsonProperty("Rules") String rules,
    @JsonProperty("CreateIndex") long createIndex,
    @JsonProperty("ModifyIndex") long modifyIndex) {}
