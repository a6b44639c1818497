package io.meshfed.cli.command;

import com.fasterxml.jackson.core.type.TypeReference;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.FederationStateView;
import io.meshfed.protocol.model.FederationState;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", mixinStandardHelpOptions = true, description = "List the federation states of all datacenters.")
final class FederationStateListCommand implements Runnable {
  private static final TypeReference<List<FederationState>> STATES = new TypeReference<>() {};

  @Mixin
  private ClientOptions client;

  @Override
  public void run() {
    String body = client.api().get("/v1/internal/federation-states");
    client.print(body, json -> FederationStateView.list(Json.read(json, STATES)));
  }
}
