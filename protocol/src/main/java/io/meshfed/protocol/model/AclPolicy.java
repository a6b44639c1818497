package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A named set of ACL rules, stored in the primary's store and replicated to every secondary. The
 * name is the policy's identity (tokens name the policies they carry); {@code rules} is the JSON
 * text of Consul-shaped rules, checked by the server before it is stored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AclPolicy(
    @JsonProperty("Name") String name,
    @JsonProperty("Description") String description,
    @JsonProperty("Rules") String rules,
    @JsonProperty("CreateIndex") long createIndex,
    @JsonProperty("ModifyIndex") long modifyIndex) {

  public AclPolicy {
    name = Strings.orEmpty(name);
    description = Strings.orEmpty(description);
    rules = Strings.orEmpty(rules);
  }

  public AclPolicy withIndexes(long create, long modify) {
    return new AclPolicy(name, description, rules, create, modify);
  }
}
