package io.meshfed.cli.command;

import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.ApplyAnswer;
import io.meshfed.cli.http.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "recommission", mixinStandardHelpOptions = true,
    description = "Accept the federation state of a decommissioned datacenter again. Nothing is written back: the"
        + " datacenter's anti-entropy writes its state at its next round, or `meshfed federation-state apply` does.")
final class FederationStateRecommissionCommand implements Runnable {
  @Mixin
  private ClientOptions client;

  @Parameters(paramLabel = "DC", description = "The datacenter.")
  private String datacenter;

  @Override
  public void run() {
    String body = client.api().put(FederationStateCommand.STATE_PATH + "/" + ApiClient.encode(datacenter)
        + "/recommission", "");
    client.print(body, json -> Json.read(json, ApplyAnswer.class).applied()
        ? "Datacenter \"" + datacenter + "\" recommissioned: its federation state is accepted again\n"
        : "Datacenter \"" + datacenter + "\" was not decommissioned; nothing changed\n");
  }
}
