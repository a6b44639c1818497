package io.meshfed.persistence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.persistence.store.SnapshotFile.InvalidSnapshotException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot file: what it holds comes back as written, and every kind of bad file is refused in one line. */
class SnapshotFileTest {
  private static final Instant CREATED = Instant.parse("2026-12-03T21:00:00.123Z");
  private static final byte[] PAYLOAD = "the store's state".getBytes(StandardCharsets.UTF_8);
  private static final DcStore.SnapshotTaken TAKEN =
      new DcStore.SnapshotTaken("dc1", 4711, 33, "io.meshfed.persistence.store.StoreSnapshot", PAYLOAD);

  @TempDir Path dir;

  @Test
  void roundTripKeepsTheHeaderAndPayload() throws IOException {
    Path file = dir.resolve("dc1.snap");
    SnapshotFile.write(file, SnapshotFile.encode(TAKEN, "0.1.0", CREATED));
    SnapshotFile.Contents read = SnapshotFile.read(file);
    assertThat(read.header()).isEqualTo(new SnapshotFile.Header(SnapshotFile.FORMAT, "0.1.0",
        SnapshotFile.JOURNAL_FORMAT, "dc1", 4711, CREATED, 33, "io.meshfed.persistence.store.StoreSnapshot"));
    assertThat(read.payload()).isEqualTo(PAYLOAD);
    // Self-describing: the magic, then a JSON header a person can read with head -c.
    String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    assertThat(text).startsWith("meshfed-snapshot\n").contains("\"Datacenter\":\"dc1\"").contains("\"Index\":4711");
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
    // Written by rename: nothing temporary is left beside it.
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
    SnapshotFile.checkDatacenter(read, "dc1", false);
  }

  @Test
  void aTruncatedFileIsRefused() {
    byte[] whole = SnapshotFile.encode(TAKEN, "0.1.0", CREATED);
    for (int length : new int[] {0, 5, 20, 30, whole.length - 40, whole.length - 1}) {
      assertRefused(Arrays.copyOf(whole, length), "truncated: the file ends after " + length + " bytes");
    }
  }

  @Test
  void aChangedByteFailsTheChecksum() {
    byte[] file = SnapshotFile.encode(TAKEN, "0.1.0", CREATED);
    file[file.length - 40] ^= 1;
    assertRefused(file, "damaged: its SHA-256 checksum does not match its content");
  }

  @Test
  void bytesAfterTheChecksumAreRefused() {
    byte[] whole = SnapshotFile.encode(TAKEN, "0.1.0", CREATED);
    assertRefused(Arrays.copyOf(whole, whole.length + 3), "damaged: 3 bytes follow its checksum");
  }

  @Test
  void anotherFileIsNotASnapshot() {
    assertRefused("{\"Datacenter\":\"dc1\"}".getBytes(StandardCharsets.UTF_8),
        "not a meshfed snapshot: it does not begin with 'meshfed-snapshot'");
  }

  @Test
  void aNewerFileFormatIsRefused() {
    byte[] file = SnapshotFile.encode(TAKEN, "0.1.0", CREATED);
    ByteBuffer.wrap(file).putInt(SnapshotFile.MAGIC.length, SnapshotFile.FORMAT + 1);
    assertRefused(file, "snapshot file format " + (SnapshotFile.FORMAT + 1) + " is newer than this version");
  }

  @Test
  void aNewerJournalFormatIsRefused() throws Exception {
    byte[] file = SnapshotFile.encode(TAKEN, "9.0.0", CREATED);
    String text = new String(file, StandardCharsets.ISO_8859_1);
    String newer = text.replace("\"JournalFormat\":" + SnapshotFile.JOURNAL_FORMAT,
        "\"JournalFormat\":" + (SnapshotFile.JOURNAL_FORMAT + 1));
    byte[] changed = newer.getBytes(StandardCharsets.ISO_8859_1);
    // A file a later version wrote: its checksum is right for what it holds.
    byte[] sum = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(changed, changed.length - 32));
    System.arraycopy(sum, 0, changed, changed.length - 32, 32);
    assertRefused(changed, "the snapshot holds journal format v" + (SnapshotFile.JOURNAL_FORMAT + 1)
        + ", newer than this version of meshfed reads (v" + SnapshotFile.JOURNAL_FORMAT + "); restore it with meshfed 9.0.0");
  }

  @Test
  void anotherDatacentersSnapshotIsRefusedUnlessAllowed() {
    SnapshotFile.Contents read = SnapshotFile.decode(SnapshotFile.encode(TAKEN, "0.1.0", CREATED));
    assertThatThrownBy(() -> SnapshotFile.checkDatacenter(read, "dc2", false))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessage("the snapshot is of DC 'dc1', not of 'dc2' (give --datacenter-override to restore it all the same)");
    SnapshotFile.checkDatacenter(read, "dc2", true);
  }

  @Test
  void aMissingFileIsRefused() {
    assertThatThrownBy(() -> SnapshotFile.read(dir.resolve("absent")))
        .isInstanceOf(InvalidSnapshotException.class).hasMessage("no such file");
  }

  private static void assertRefused(byte[] file, String start) {
    assertThatThrownBy(() -> SnapshotFile.decode(file))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageStartingWith(start)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
