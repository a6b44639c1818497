package io.meshfed.cli.command;

import io.meshfed.cli.http.Json;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "reload", mixinStandardHelpOptions = true,
    description = "Put a server's TLS files and token files in force again without a restart (as SIGHUP does):"
        + " new connections use them, established ones are kept. A file that fails a check is refused and nothing"
        + " changes.")
public final class ReloadCommand implements Runnable {
  @Mixin
  private ClientOptions client;

  /** The body of {@code PUT /v1/agent/reload}. */
  record Reloaded(@com.fasterxml.jackson.annotation.JsonProperty("Reloaded") List<String> reloaded) {}

  @Override
  public void run() {
    String body = client.api().put("/v1/agent/reload", "");
    client.print(body, json -> String.join("\n", Json.read(json, Reloaded.class).reloaded()) + "\n");
  }
}
