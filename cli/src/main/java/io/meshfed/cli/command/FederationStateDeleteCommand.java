package io.meshfed.cli.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.ApplyAnswer;
import io.meshfed.cli.http.Json;
import io.meshfed.protocol.model.FederationStateOp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete the federation state of one datacenter.")
final class FederationStateDeleteCommand implements Runnable {
  @Mixin
  private ClientOptions client;

  @Option(names = "--decommission", description = "The datacenter is gone for good: the primary also records it"
      + " decommissioned and refuses its state from then on (a late anti-entropy round of that datacenter"
      + " included), until `meshfed federation-state recommission DC`.")
  private boolean decommission;

  @Parameters(paramLabel = "DC", description = "The datacenter.")
  private String datacenter;

  @Override
  public void run() {
    if (decommission) {
      String body = client.api().delete(FederationStateCommand.STATE_PATH + "/" + ApiClient.encode(datacenter)
          + "?decommission=1");
      client.print(body, json -> {
        ApplyAnswer answer = Json.read(json, ApplyAnswer.class);
        return answer.applied()
            ? "Datacenter \"" + datacenter + "\" decommissioned, its federation state deleted (index "
                + answer.index() + "); undo with `meshfed federation-state recommission " + datacenter + "`\n"
            : "Datacenter \"" + datacenter + "\" was decommissioned already\n";
      });
      return;
    }
    ObjectNode state = Json.MAPPER.createObjectNode().put("Datacenter", datacenter);
    String body = client.api().put(FederationStateCommand.STATE_PATH, ApplyRequest.of(FederationStateOp.DELETE, state));
    client.print(body, json -> ApplyRequest.outcome(FederationStateOp.DELETE, datacenter, json));
  }
}
