package io.meshfed.persistence.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.serialization.Serialization;

/**
 * The journal-compatibility fixtures under {@code journal-compat/<version>/}: entries as an
 * earlier version of the store journaled them (see {@link JournalFixtureWriter}).
 */
final class JournalFixture {
  static final String ROOT = "journal-compat";

  /** One journaled entry: what the journal table holds for it. */
  record Entry(long sequenceNr, int serializerId, String manifest, byte[] payload) {

    Object deserialize(Serialization serialization) {
      return serialization.deserialize(payload, serializerId, manifest).get();
    }
  }

  private JournalFixture() {}

  /** Every fixture version, oldest first. */
  static List<String> versions() {
    try (Stream<Path> dirs = Files.list(root())) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Entry> events(String version) {
    return read(root().resolve(version).resolve("events.txt"));
  }

  static List<Entry> snapshots(String version) {
    return read(root().resolve(version).resolve("snapshot.txt"));
  }

  private static Path root() {
    URL url = JournalFixture.class.getClassLoader().getResource(ROOT);
    if (url == null) {
      throw new IllegalStateException(ROOT + " is not on the test classpath");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Entry> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Entry> entries = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(" ");
      if (f.length != 4) {
        throw new IllegalStateException(file + ": not 'sequenceNr serializerId manifest base64': " + line);
      }
      entries.add(new Entry(Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2], Base64.getDecoder().decode(f[3])));
    }
    return entries;
  }
}
