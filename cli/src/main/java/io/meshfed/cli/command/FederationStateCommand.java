package io.meshfed.cli.command;

import picocli.CommandLine.Command;

/** Groups the federation-state subcommands; alone it is a usage error. */
@Command(name = "federation-state", mixinStandardHelpOptions = true,
    description = "Read and write the federation states: the mesh gateways of each datacenter.",
    subcommands = {
        FederationStateListCommand.class,
        FederationStateGetCommand.class,
        FederationStateApplyCommand.class,
        FederationStateDeleteCommand.class,
        FederationStateRecommissionCommand.class,
        FederationStateRolloutCommand.class,
    })
public final class FederationStateCommand {
  static final String STATE_PATH = "/v1/internal/federation-state";
}
