package io.meshfed.cli.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.cli.http.Json;
import io.meshfed.protocol.model.FederationStateOp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete the federation state of one datacenter.")
final class FederationStateDeleteCommand implements Runnable {
  @Mixin
  private ClientOptions client;

  @Parameters(paramLabel = "DC", description = "The datacenter.")
  private String datacenter;

  @Override
  public void run() {
    ObjectNode state = Json.MAPPER.createObjectNode().put("Datacenter", datacenter);
    String body = client.api().put(FederationStateCommand.STATE_PATH, ApplyRequest.of(FederationStateOp.DELETE, state));
    client.print(body, json -> ApplyRequest.outcome(FederationStateOp.DELETE, datacenter, json));
  }
}
