package io.meshfed.cli.command;

import picocli.CommandLine.Command;

/** Groups the catalog subcommands; alone it is a usage error. */
@Command(name = "catalog", mixinStandardHelpOptions = true, description = "Read the service catalog.",
    subcommands = CatalogServicesCommand.class)
public final class CatalogCommand {}
