package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** A LAN or WAN member as the members API shows it; {@code name} is {@code <node>.<dc>} on the WAN. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Member(
    @JsonProperty("Name") String name,
    @JsonProperty("Addr") String address,
    @JsonProperty("Port") int port,
    @JsonProperty("Status") String status,
    @JsonProperty("Datacenter") String datacenter,
    @JsonProperty("Tags") Map<String, String> tags) {

  public static final String ALIVE = "alive";

  public Member {
    name = Strings.orEmpty(name);
    address = Strings.orEmpty(address);
    status = Strings.orEmpty(status);
    datacenter = Strings.orEmpty(datacenter);
    tags = Strings.sortedCopy(tags);
  }
}
