package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * An ACL token as stored: its public accessor ID, the SHA-256 of its secret (hex), and the names of
 * the policies it carries. The secret itself is never stored: it is shown once, when the token is
 * created, and a request's token is found by the hash of what it presents.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AclToken(
    @JsonProperty("AccessorID") String accessorId,
    @JsonProperty("SecretHash") String secretHash,
    @JsonProperty("Description") String description,
    @JsonProperty("Policies") List<String> policies,
    @JsonProperty("CreateTime") Instant createTime,
    @JsonProperty("CreateIndex") long createIndex,
    @JsonProperty("ModifyIndex") long modifyIndex) {

  public AclToken {
    accessorId = Strings.orEmpty(accessorId);
    secretHash = Strings.orEmpty(secretHash);
    description = Strings.orEmpty(description);
    policies = policies == null ? List.of() : List.copyOf(policies);
  }

  public AclToken withIndexes(long create, long modify) {
    return new AclToken(accessorId, secretHash, description, policies, createTime, create, modify);
  }
}
