package io.meshfed.cli.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.FederationStateView;
import io.meshfed.protocol.model.FederationState;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", mixinStandardHelpOptions = true, description = "List the federation states of all datacenters,"
    + " then the datacenters the primary holds decommissioned, if any.")
final class FederationStateListCommand implements Runnable {
  private static final TypeReference<List<FederationState>> STATES = new TypeReference<>() {};
  private static final TypeReference<List<Decommissioned>> DECOMMISSIONED = new TypeReference<>() {};

  /** One entry of {@code GET /v1/internal/federation-states/decommissioned}. */
  record Decommissioned(@JsonProperty("Datacenter") String datacenter, @JsonProperty("DecommissionedAt") String at) {}

  @Mixin
  private ClientOptions client;

  @Override
  public void run() {
    String body = client.api().get("/v1/internal/federation-states");
    client.print(body, json -> FederationStateView.list(Json.read(json, STATES)) + decommissioned());
  }

  /** The table's last lines; a server that cannot say (one that predates decommissions) leaves them out with a note. */
  private String decommissioned() {
    List<Decommissioned> all;
    try {
      all = Json.read(client.api().get("/v1/internal/federation-states/decommissioned"), DECOMMISSIONED);
    } catch (RuntimeException e) {
      return "(decommissioned datacenters not shown: " + e.getMessage() + ")\n";
    }
    StringBuilder out = new StringBuilder();
    for (Decommissioned d : all) {
      out.append("decommissioned: ").append(d.datacenter()).append(" since ").append(d.at())
          .append(" (its state is refused; `meshfed federation-state recommission ").append(d.datacenter())
          .append("` to undo)\n");
    }
    return out.toString();
  }
}
