package io.meshfed.persistence.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.protocol.model.Quote;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The file of {@code meshfed snapshot save} (docs/operations.md, "Backing up and restoring"): a
 * backup of one DC's store. Layout, integers big-endian:
 *
 * <pre>
 * "meshfed-snapshot\n"    magic, 17 bytes
 * int32                    file format version ({@link #FORMAT})
 * int32 + bytes            header: UTF-8 JSON object (see {@link Header})
 * int32 + bytes            payload: the store's state as a journal snapshot row holds it
 * 32 bytes                 SHA-256 of every byte before it
 * </pre>
 *
 * The format version comes right after the magic so that a file of a newer layout is recognised as
 * such before anything else in it is read. Reading checks everything before returning, so a
 * caller that gets {@link Contents} has a whole, unaltered file that this version can restore.
 */
public final class SnapshotFile {
  static final byte[] MAGIC = "meshfed-snapshot\n".getBytes(StandardCharsets.US_ASCII);
  /** The layout above. */
  public static final int FORMAT = io.meshfed.protocol.version.Versions.SNAPSHOT_FILE;
  /**
   * The journal format this version writes and reads (docs/journal.md, "Versions"): a payload of a
   * later one may hold events or fields this version would drop, so it is refused.
   */
  public static final int JOURNAL_FORMAT = io.meshfed.protocol.version.Versions.JOURNAL;
  private static final int CHECKSUM_BYTES = 32;
  /** A DC's state is bounded by the store's limits to a few MiB; anything far above is not a snapshot. */
  private static final int MAX_SECTION = 512 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotFile() {}

  /**
   * What the header says.
   *
   * @param meshfedVersion the version of the server that took it
   * @param index the store index the snapshot reflects
   * @param serializerId the payload's Pekko serializer (jackson-cbor, 33), as in a journal row
   * @param manifest the payload's manifest, as in a journal row
   */
  public record Header(int format, String meshfedVersion, int journalFormat, String datacenter, long index,
      Instant createdAt, int serializerId, String manifest) {}

  /** A checked file: its header and its payload. */
  public record Contents(Header header, byte[] payload) {
    /** The store command that restores it (see {@link DcStore.Restore}). */
    public DcStore.Restore restore(boolean force, ActorRef<StatusReply<DcStore.WriteResult>> replyTo) {
      return new DcStore.Restore(header.serializerId(), header.manifest(), payload, force, replyTo);
    }
  }

  /** A file that cannot be restored; the message is one line that says why. */
  public static final class InvalidSnapshotException extends RuntimeException {
    public InvalidSnapshotException(String message) {
      super(message);
    }
  }

  /** The file's bytes for a snapshot the store took. */
  public static byte[] encode(DcStore.SnapshotTaken taken, String meshfedVersion, Instant createdAt) {
    ObjectNode header = JSON.createObjectNode()
        .put("Format", FORMAT)
        .put("MeshfedVersion", meshfedVersion)
        .put("JournalFormat", JOURNAL_FORMAT)
        .put("Datacenter", taken.datacenter())
        .put("Index", taken.index())
        .put("CreatedAt", createdAt.toString())
        .put("SerializerId", taken.serializerId())
        .put("Manifest", taken.manifest());
    byte[] headerBytes;
    try {
      headerBytes = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a snapshot header: " + e.getMessage(), e);
    }
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + 4 + headerBytes.length + 4 + taken.payload().length
        + CHECKSUM_BYTES);
    b.put(MAGIC).putInt(FORMAT).putInt(headerBytes.length).put(headerBytes).putInt(taken.payload().length)
        .put(taken.payload());
    b.put(sha256(b.array(), b.position()));
    return b.array();
  }

  /** Checks a whole file; refuses it with an {@link InvalidSnapshotException} that says what is wrong. */
  public static Contents decode(byte[] file) {
    int magic = Math.min(file.length, MAGIC.length);
    if (!Arrays.equals(file, 0, magic, MAGIC, 0, magic)) {
      throw new InvalidSnapshotException("not a meshfed snapshot: it does not begin with "
          + Quote.single("meshfed-snapshot"));
    }
    ByteBuffer b = ByteBuffer.wrap(file);
    b.position(magic);
    int format = intOrTruncated(b, file.length);
    if (format > FORMAT || format < 1) {
      throw new InvalidSnapshotException("snapshot file format " + format + " is newer than this version of meshfed"
          + " reads (up to " + FORMAT + "); restore it with the version that wrote it or a later one");
    }
    byte[] header = section(b, file.length);
    byte[] payload = section(b, file.length);
    if (b.remaining() < CHECKSUM_BYTES) {
      throw truncated(file.length);
    }
    int checked = b.position();
    byte[] checksum = new byte[CHECKSUM_BYTES];
    b.get(checksum);
    if (b.hasRemaining()) {
      throw new InvalidSnapshotException("damaged: " + b.remaining() + " bytes follow its checksum");
    }
    if (!MessageDigest.isEqual(checksum, sha256(file, checked))) {
      throw new InvalidSnapshotException("damaged: its SHA-256 checksum does not match its content");
    }
    Header h = header(header, format);
    if (h.journalFormat() > JOURNAL_FORMAT) {
      throw new InvalidSnapshotException("the snapshot holds journal format v" + h.journalFormat()
          + ", newer than this version of meshfed reads (v" + JOURNAL_FORMAT + "); restore it with meshfed "
          + h.meshfedVersion() + " or later");
    }
    return new Contents(h, payload);
  }

  /** Reads and checks a file; a missing or unreadable one is refused in one line too. */
  public static Contents read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidSnapshotException("no such file");
    } catch (IOException e) {
      throw new InvalidSnapshotException("cannot read it: " + e);
    }
    return decode(bytes);
  }

  /**
   * Refuses a snapshot of another DC unless {@code allowOther}: its state would name the other DC's
   * nodes and gateways as this one's.
   */
  public static void checkDatacenter(Contents contents, String datacenter, boolean allowOther) {
    String of = contents.header().datacenter();
    if (!of.equals(datacenter) && !allowOther) {
      throw new InvalidSnapshotException("the snapshot is of DC " + Quote.single(of) + ", not of "
          + Quote.single(datacenter) + " (give --datacenter-override to restore it all the same)");
    }
  }

  /**
   * Writes {@code bytes} to {@code file} all or nothing: a temporary file in the same directory,
   * readable by its owner only (a snapshot holds ACL token hashes), synced, then renamed over it.
   */
  public static void write(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    try {
      if (posix) {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(tmp);
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Header header(byte[] bytes, int format) {
    try {
      JsonNode h = JSON.readTree(bytes);
      return new Header(format, text(h, "MeshfedVersion"), h.path("JournalFormat").asInt(0), text(h, "Datacenter"),
          h.path("Index").asLong(0), Instant.parse(text(h, "CreatedAt")), h.path("SerializerId").asInt(0),
          text(h, "Manifest"));
    } catch (IOException | RuntimeException e) {
      throw new InvalidSnapshotException("damaged header: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static String text(JsonNode h, String field) {
    JsonNode v = h.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("no " + field);
    }
    return v.asText();
  }

  private static byte[] section(ByteBuffer b, int length) {
    int size = intOrTruncated(b, length);
    if (size < 0 || size > MAX_SECTION) {
      throw new InvalidSnapshotException("damaged: a section claims " + size + " bytes");
    }
    if (b.remaining() < size) {
      throw truncated(length);
    }
    byte[] bytes = new byte[size];
    b.get(bytes);
    return bytes;
  }

  private static int intOrTruncated(ByteBuffer b, int length) {
    if (b.remaining() < 4) {
      throw truncated(length);
    }
    return b.getInt();
  }

  private static InvalidSnapshotException truncated(int length) {
    return new InvalidSnapshotException("truncated: the file ends after " + length + " bytes, before its checksum");
  }

  private static byte[] sha256(byte[] bytes, int length) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(bytes, 0, length);
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
