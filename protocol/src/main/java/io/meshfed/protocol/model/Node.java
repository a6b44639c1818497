package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** A catalog node; JSON in Consul's shape. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Node(
    @JsonProperty("Node") String node,
    @JsonProperty("Address") String address,
    @JsonProperty("Datacenter") String datacenter,
    @JsonProperty("TaggedAddresses") Map<String, String> taggedAddresses,
    @JsonProperty("Meta") Map<String, String> meta) {

  public Node {
    node = Strings.orEmpty(node);
    address = Strings.orEmpty(address);
    datacenter = Strings.orEmpty(datacenter);
    taggedAddresses = Strings.sortedStrings(taggedAddresses);
    meta = Strings.sortedStrings(meta);
  }
}
