package io.meshfed.cli.command;

import io.meshfed.cli.CliException;
import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.http.StateAnswer;
import io.meshfed.cli.output.FederationStateView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "get", mixinStandardHelpOptions = true, description = "Show the federation state of one datacenter.")
final class FederationStateGetCommand implements Runnable {
  @Mixin
  private ClientOptions client;

  @Parameters(paramLabel = "DC", description = "The datacenter.")
  private String datacenter;

  @Override
  public void run() {
    String body = client.api()
        .getIfPresent(FederationStateCommand.STATE_PATH + "/" + ApiClient.encode(datacenter))
        .orElseThrow(() -> new CliException("no federation state for datacenter \"" + datacenter + "\""));
    client.print(body, json -> FederationStateView.get(Json.read(json, StateAnswer.class).state()));
  }
}
