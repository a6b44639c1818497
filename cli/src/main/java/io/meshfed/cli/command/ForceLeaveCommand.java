package io.meshfed.cli.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "force-leave", mixinStandardHelpOptions = true,
    description = "Mark a failed member left at once instead of waiting for it to come back (Consul's force-leave)."
        + " Refused for an alive member unless --prune.")
public final class ForceLeaveCommand implements Runnable {
  @Mixin
  private ClientOptions client;

  @Option(names = "--wan", description = "NODE is a WAN member, <node>.<dc> as `meshfed members --wan` lists it;"
      + " the leave is gossiped to every server of every datacenter. Without it, NODE is a server of this"
      + " datacenter's LAN cluster, and a failed (unreachable) one is downed.")
  private boolean wan;

  @Option(names = "--prune", description = "Also remove the member from the list at once, failed or alive (WAN);"
      + " an alive member that keeps running comes back by gossiping. On the LAN, a reachable server is refused.")
  private boolean prune;

  @Parameters(paramLabel = "NODE", description = "The member's name.")
  private String node;

  /** The body of {@code PUT /v1/agent/force-leave/NODE}. */
  record ForceLeft(@JsonProperty("Member") String member, @JsonProperty("Outcome") String outcome,
      @JsonProperty("Message") String message) {}

  @Override
  public void run() {
    StringBuilder query = new StringBuilder();
    if (wan) {
      query.append("wan=1");
    }
    if (prune) {
      query.append(query.length() == 0 ? "" : "&").append("prune=1");
    }
    String body = client.api().put("/v1/agent/force-leave/" + ApiClient.encode(node)
        + (query.length() == 0 ? "" : "?" + query), "");
    client.print(body, json -> Json.read(json, ForceLeft.class).message() + "\n");
  }
}
