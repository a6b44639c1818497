package io.meshfed.cli.command;

import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.FederationStatusView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show each datacenter's verdict (healthy, degraded, unreachable), since when, and why, as the "
        + "server asked sees it (any server of any datacenter answers).",
        "See docs/operations.md, \"Troubleshooting: start from meshfed federation status\"."})
final class FederationStatusCommand implements Runnable {
  static final String PATH = "/v1/operator/federation";

  @Mixin
  private ClientOptions client;

  @Option(names = "--dc", paramLabel = "DC", description = "Only this datacenter.")
  private String dc;

  @Override
  public void run() {
    String body = client.api().get(PATH + (dc == null ? "" : "?dc=" + ApiClient.encode(dc)));
    client.print(body, json -> FederationStatusView.render(Json.read(json, FederationStatusView.Status.class)));
  }
}
