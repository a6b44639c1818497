package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

@JsonIgnoreProperties(ignoreUnknown = true)
public record ServiceAddress(@JsonProperty("Address") String address, @JsonProperty("Port") int port) {
  public ServiceAddress {
    address = Strings.orEmpty(address);
  }
}
