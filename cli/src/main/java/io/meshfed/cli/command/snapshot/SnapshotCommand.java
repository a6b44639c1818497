package io.meshfed.cli.command.snapshot;

import picocli.CommandLine.Command;

/** Groups the snapshot subcommands; alone it is a usage error. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = "Back up a DC's state store to a file, and restore it into a stopped or new DC.",
    subcommands = {SnapshotSaveCommand.class, SnapshotRestoreCommand.class})
public final class SnapshotCommand {}
