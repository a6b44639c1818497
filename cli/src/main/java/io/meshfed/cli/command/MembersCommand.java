package io.meshfed.cli.command;

import com.fasterxml.jackson.core.type.TypeReference;
import io.meshfed.cli.http.Json;
import io.meshfed.protocol.model.Member;
import io.meshfed.cli.output.MembersView;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "members", mixinStandardHelpOptions = true,
    description = "List the members of the server's LAN, or with --wan the servers of all datacenters.")
public final class MembersCommand implements Runnable {
  private static final TypeReference<List<Member>> MEMBERS = new TypeReference<>() {};

  @Mixin
  private ClientOptions client;

  @Option(names = "--wan", description = "The WAN membership: the servers of every datacenter.")
  private boolean wan;

  @Override
  public void run() {
    String body = client.api().get("/v1/agent/members" + (wan ? "?wan=1" : ""));
    client.print(body, json -> MembersView.render(Json.read(json, MEMBERS)));
  }
}
