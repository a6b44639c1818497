package io.meshfed.cli.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** One entry of {@code GET /v1/agent/members}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Member(
    @JsonProperty("Name") String name,
    @JsonProperty("Addr") String addr,
    @JsonProperty("Port") int port,
    @JsonProperty("Status") String status,
    @JsonProperty("Datacenter") String datacenter,
    @JsonProperty("Tags") Map<String, String> tags) {

  public Member {
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }
}
