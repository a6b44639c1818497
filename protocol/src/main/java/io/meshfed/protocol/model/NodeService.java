package io.meshfed.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A service instance on a node; JSON in Consul's shape. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NodeService(
    @JsonProperty("ID") String id,
    @JsonProperty("Service") String service,
    @JsonProperty("Kind") String kind,
    @JsonProperty("Tags") List<String> tags,
    @JsonProperty("Address") String address,
    @JsonProperty("Port") int port,
    @JsonProperty("Meta") Map<String, String> meta,
    @JsonProperty("TaggedAddresses") Map<String, ServiceAddress> taggedAddresses) {

  public static final String TAG_LAN = "lan";
  public static final String TAG_WAN = "wan";

  public NodeService {
    service = Strings.orEmpty(service);
    // Consul: the ID defaults to the service name.
    id = Strings.orEmpty(id).isEmpty() ? service : id;
    kind = Strings.orEmpty(kind);
    address = Strings.orEmpty(address);
    tags = tags == null ? List.of() : List.copyOf(tags);
    meta = Strings.sortedStrings(meta);
    taggedAddresses = Strings.sortedCopy(taggedAddresses);
  }

  public Optional<ServiceAddress> taggedAddress(String tag) {
    return Optional.ofNullable(taggedAddresses.get(tag));
  }
}
