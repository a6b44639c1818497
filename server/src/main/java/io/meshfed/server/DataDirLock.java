package io.meshfed.server;

import io.meshfed.server.config.ConfigException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data dir, held while a server runs, so that two servers (in two
 * processes or one) never write the same embedded journal.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE = "meshfed.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DataDirLock acquire(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw inUse(dataDir);
      }
      return new DataDirLock(channel, lock);
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw inUse(dataDir);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new ConfigException("meshfed.data-dir: cannot lock " + file + ": " + e.getMessage());
    } catch (ConfigException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static ConfigException inUse(Path dataDir) {
    return new ConfigException("meshfed.data-dir: " + dataDir
        + " is in use by another meshfed server; give each server its own data dir");
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // The channel's close below releases it anyway.
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing more can be done about a lock file that will not close.
    }
  }
}
