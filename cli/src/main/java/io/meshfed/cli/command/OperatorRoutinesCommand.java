package io.meshfed.cli.command;

import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.RoutinesView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "routines", mixinStandardHelpOptions = true,
    description = "Show the leader's routines: running, restarts and the last error of each.")
final class OperatorRoutinesCommand implements Runnable {
  @Mixin
  private ClientOptions client;

  @Override
  public void run() {
    String body = client.api().get("/v1/operator/routines");
    client.print(body, json -> RoutinesView.render(Json.read(json, RoutinesView.Report.class)));
  }
}
