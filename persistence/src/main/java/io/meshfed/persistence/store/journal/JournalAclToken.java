package io.meshfed.persistence.store.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * An ACL token as journaled: the SHA-256 of its secret, never the secret.
 *
 * @param createTime ISO-8601 in UTC ({@code Instant.toString()}); null when unset
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalAclToken(
    @JsonProperty("AccessorID") String accessorId,
    @JsonProperty("SecretHash") String secretHash,
    @JsonProperty("Description") String description,
    @JsonProperty("Policies") List<String> policies,
    @JsonProperty("CreateTime") String createTime,
    @JsonProperty("CreateIndex") long createIndex,
    @JsonProperty("ModifyIndex") long modifyIndex) {}
