package io.meshfed.cli.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.protocol.model.FederationStateOp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "apply", mixinStandardHelpOptions = true,
    description = "Write the federation state held in a JSON file ('-' reads stdin).")
final class FederationStateApplyCommand implements Runnable {
  @Mixin
  private ClientOptions client;

  @Parameters(paramLabel = "FILE.json", description = "One federation state, as 'get --format json' shows its State.")
  private String file;

  @Override
  public void run() {
    // Validated before any connection, so a bad file never reaches the server.
    ObjectNode state = FederationStateFile.load(file);
    String datacenter = state.get("Datacenter").asText();
    String body = client.api().put(FederationStateCommand.STATE_PATH, ApplyRequest.of(FederationStateOp.UPSERT, state));
    client.print(body, json -> ApplyRequest.outcome(FederationStateOp.UPSERT, datacenter, json));
  }
}
