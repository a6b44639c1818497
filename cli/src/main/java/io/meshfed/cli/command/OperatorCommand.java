package io.meshfed.cli.command;

import picocli.CommandLine.Command;

/** Groups the operator subcommands; alone it is a usage error. */
@Command(name = "operator", mixinStandardHelpOptions = true, description = "Look into the DC's leader.",
    subcommands = OperatorRoutinesCommand.class)
public final class OperatorCommand {}
