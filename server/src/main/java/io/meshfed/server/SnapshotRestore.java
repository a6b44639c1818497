package io.meshfed.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.journal.JournalSettings;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.persistence.store.SnapshotFile;
import io.meshfed.protocol.errors.Failures;
import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code meshfed snapshot restore}: writes a snapshot file into the journal of a DC that is not
 * running, as one {@code StoreRestored} event written by the real store in a short-lived local actor
 * system, with the journal settings a server of that DC starts with. Offline on purpose: a running
 * DC's anti-entropy, replication and clients would write beside the restore, and a stopped DC makes
 * "the state is the snapshot's" true when its servers start.
 *
 * <p>Nothing is changed unless everything checks out: the file is checked whole (magic, format,
 * checksum, journal format, DC) before the data dir or the journal is touched; the data dir's lock
 * refuses while a server of it runs; the store refuses a journal with writes unless forced.
 */
public final class SnapshotRestore {
  /** Recovery of the store's current journal comes first; a large one on a slow disk takes a while. */
  static final Duration STORE_TIMEOUT = Duration.ofSeconds(60);

  private SnapshotRestore() {}

  /** What a restore did. */
  public record Restored(String datacenter, long snapshotIndex, long index, String journal) {}

  /** A restore that was refused or failed; the message is one line, and nothing was changed. */
  public static final class RestoreException extends RuntimeException {
    RestoreException(String message) {
      super(message);
    }
  }

  /**
   * Restores {@code file} into the journal {@code config} names.
   *
   * @param force replace a journal that has writes
   * @param otherDatacenter accept a snapshot of another DC than {@code config}'s
   * @throws SnapshotFile.InvalidSnapshotException the file cannot be restored
   * @throws RestoreException the journal cannot be written, or has writes and {@code force} is off
   */
  public static Restored restore(ServerConfig config, Path file, boolean force, boolean otherDatacenter) {
    SnapshotFile.Contents contents = SnapshotFile.read(file);
    SnapshotFile.checkDatacenter(contents, config.datacenter(), otherDatacenter);
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new RestoreException("meshfed.data-dir: cannot create " + config.dataDir() + ": " + e.getMessage());
    }
    DataDirLock lock;
    try {
      lock = DataDirLock.acquire(config.dataDir());
    } catch (ConfigException e) {
      throw new RestoreException("meshfed.data-dir: " + config.dataDir() + " is in use by a running meshfed server;"
          + " stop it (and every other server of DC " + config.datacenter() + ") before restoring");
    }
    try {
      JournalSettings journal = MeshfedServer.journalSettings(config);
      long index = write(config.datacenter(), journal, contents, force);
      return new Restored(config.datacenter(), contents.header().index(), index, MeshfedServer.describe(config));
    } finally {
      lock.close();
    }
  }

  private static long write(String datacenter, JournalSettings journal, SnapshotFile.Contents contents,
      boolean force) {
    // A local system: the store is not a cluster singleton here, and nothing else runs.
    Config config = ConfigFactory.parseString("""
            pekko.actor.provider = local
            pekko.loglevel = WARNING
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            """)
        .withFallback(journal.toConfig())
        .withFallback(ConfigFactory.load())
        .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "meshfed-restore", config);
    try {
      await(JournalSchema.ensure(system).toCompletableFuture(), "creating the journal schema");
      ActorRef<DcStore.Command> store = system.systemActorOf(DcStore.create(datacenter), "dc-store", Props.empty());
      DcStore.WriteResult written = await(AskPattern.<DcStore.Command, DcStore.WriteResult>askWithStatus(store,
          reply -> contents.restore(force, reply), STORE_TIMEOUT, system.scheduler()).toCompletableFuture(),
          "restoring into the store of DC " + datacenter);
      return written.index();
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (InterruptedException | ExecutionException | TimeoutException e) {
        // The journal's pool closes with the system; a restore already answered is written.
      }
    }
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> future, String what) {
    try {
      return future.get(STORE_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      String message = Failures.unwrap(e.getCause()).getMessage();
      if (message != null && message.startsWith(DcStore.RESTORE_NOT_EMPTY)) {
        message += "; stop every server of the DC, then give --force to replace it";
      }
      throw new RestoreException(what + " failed: " + (message == null ? e.getCause().toString() : message));
    } catch (TimeoutException e) {
      throw new RestoreException(what + " did not finish within " + STORE_TIMEOUT.toSeconds()
          + "s: is the journal's database reachable?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RestoreException(what + " was interrupted");
    }
  }
}
