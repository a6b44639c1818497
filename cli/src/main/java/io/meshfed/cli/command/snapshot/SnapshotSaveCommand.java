package io.meshfed.cli.command.snapshot;

import io.meshfed.cli.CliException;
import io.meshfed.cli.command.ClientOptions;
import io.meshfed.persistence.store.SnapshotFile;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code meshfed snapshot save FILE}: {@code GET /v1/snapshot} of the server asked, checked, then written. */
@Command(name = "save", mixinStandardHelpOptions = true,
    description = {"Save the DC's state store (catalog, federation states, ACL table) to FILE, from a running server.",
        "The snapshot is of the DC of the server asked; it needs a token with acl:write.",
        "FILE is written whole or not at all, readable by its owner only (it holds ACL token hashes)."})
final class SnapshotSaveCommand implements Runnable {
  @Spec CommandSpec spec;

  @Mixin
  private ClientOptions client;

  @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the snapshot.")
  private Path file;

  @Override
  public void run() {
    byte[] bytes = client.api().getBytes("/v1/snapshot");
    SnapshotFile.Contents contents;
    try {
      // Checked before it is written: a file that would not restore is no backup.
      contents = SnapshotFile.decode(bytes);
    } catch (SnapshotFile.InvalidSnapshotException e) {
      throw new CliException("the server's snapshot is not valid, nothing written: " + e.getMessage());
    }
    try {
      SnapshotFile.write(file, bytes);
    } catch (IOException e) {
      throw new CliException("cannot write " + file + ": " + e, e);
    }
    SnapshotFile.Header h = contents.header();
    spec.commandLine().getOut().printf("Saved snapshot of DC %s at index %d (%d bytes, meshfed %s) to %s%n",
        h.datacenter(), h.index(), bytes.length, h.meshfedVersion(), file);
    spec.commandLine().getOut().flush();
  }
}
