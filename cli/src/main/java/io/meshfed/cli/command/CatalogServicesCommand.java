package io.meshfed.cli.command;

import com.fasterxml.jackson.core.type.TypeReference;
import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.ServicesView;
import io.meshfed.protocol.model.CheckServiceNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "services", mixinStandardHelpOptions = true,
    description = "List the service instances of the server's datacenter, with their health.")
final class CatalogServicesCommand implements Runnable {
  private static final TypeReference<List<CheckServiceNode>> INSTANCES = new TypeReference<>() {};

  @Mixin
  private ClientOptions client;

  @Option(names = "--kind", paramLabel = "KIND", description = "Only services of this kind, e.g. mesh-gateway.")
  private String kind;

  @Override
  public void run() {
    String query = kind == null ? "" : "?kind=" + ApiClient.encode(kind);
    String body = client.api().get("/v1/internal/catalog/services" + query);
    client.print(body, json -> ServicesView.render(Json.read(json, INSTANCES)));
  }
}
