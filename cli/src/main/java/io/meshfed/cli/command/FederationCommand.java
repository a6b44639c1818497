package io.meshfed.cli.command;

import picocli.CommandLine.Command;

/** Groups the federation-wide views; alone it is a usage error. */
@Command(name = "federation", mixinStandardHelpOptions = true,
    description = "See the federation as a whole: which datacenter is unhealthy, why, since when.",
    subcommands = {FederationStatusCommand.class})
public final class FederationCommand {}
