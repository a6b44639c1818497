package io.meshfed.cli.command.acl;

import io.meshfed.cli.command.ClientOptions;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.AclView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Groups the ACL subcommands; alone it is a usage error. */
@Command(name = "acl", mixinStandardHelpOptions = true,
    description = "Manage ACL tokens and policies (made in the primary DC, replicated to every DC).",
    subcommands = {AclCommand.Bootstrap.class, AclPolicyCommand.class, AclTokenCommand.class})
public final class AclCommand {

  @Command(name = "bootstrap", mixinStandardHelpOptions = true,
      description = "Create the first management token, once per federation; prints its secret.")
  static final class Bootstrap implements Runnable {
    @Mixin
    private ClientOptions client;

    @Override
    public void run() {
      String body = client.api().put("/v1/acl/bootstrap", "");
      client.print(body, json -> AclView.token(Json.read(json, AclView.Token.class)));
    }
  }
}
