package io.meshfed.cli.launch;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An application class-data archive (JDK CDS) for the runnable jar: the classes a server loads
 * while it starts, parsed and verified once and then mapped by every later JVM. It about halves a
 * server's start-up on a small machine, where loading some 10,000 classes is most of it, and costs
 * resident memory under load (about 80 MB in ApiAttackProcessTest's server), so the demo's
 * processes use it and a server or gateway only when asked (bin/meshfed, MESHFED_CLASS_DATA=on).
 *
 * <p>JDK 17 has no auto-created archive (that came in JDK 19), so the archive is made by a training
 * run: a development server started with {@code -XX:ArchiveClassesAtExit}, stopped once ready. It
 * lives beside the jar as {@code meshfed.jsa} and is made again whenever the jar is newer. A JVM
 * that cannot map it (another JDK, a jar changed since) runs without it: the JVM checks the jar's
 * size and time itself, so a stale archive costs speed, never correctness.
 */
public final class ClassDataArchive {
  private static final long TRAINING_TIMEOUT_SECONDS = 180;

  private ClassDataArchive() {}

  /** Where the archive of {@code jar} lives. */
  public static Path archiveOf(Path jar) {
    return jar.resolveSibling("meshfed.jsa");
  }

  /** Whether an archive exists that was made from this build of the jar. */
  public static boolean fresh(Path jar) {
    Path jsa = archiveOf(jar);
    try {
      return Files.isRegularFile(jsa) && Files.size(jsa) > 0
          && Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(jar)) >= 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** The options that make a JVM running {@code jar} map its archive; none if there is no fresh one. */
  public static List<String> jvmOptions(Path jar) {
    if (!fresh(jar)) {
      return List.of();
    }
    return List.of("-XX:SharedArchiveFile=" + archiveOf(jar), "-Xshare:auto",
        // A mismatch is reported as a warning on stdout, where our ready lines go: keep CDS quiet.
        "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
        // Mapped where it was made, the archive stays file-backed and shared, and only the pages a
        // JVM uses are resident; relocated (this JDK's default), every page is rewritten and becomes
        // private memory of each JVM (an idle server: 154 MB private instead of 112).
        "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");
  }

  /**
   * Makes the archive if there is no fresh one, then returns {@link #jvmOptions}. Processes that
   * call this at once wait for one training run (a lock file beside the jar).
   *
   * @throws IOException when the training run fails; the message says why and where its log is
   */
  public static synchronized List<String> ensure(Path jar, Path javaBin) throws IOException {
    if (fresh(jar)) {
      return jvmOptions(jar);
    }
    Path lockFile = jar.resolveSibling("meshfed.jsa.lock");
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      if (!fresh(jar)) {
        train(jar, javaBin);
      }
    }
    return jvmOptions(jar);
  }

  private static void train(Path jar, Path javaBin) throws IOException {
    Path jsa = archiveOf(jar);
    Path work = Files.createTempDirectory("meshfed-cds-");
    // Beside the jar, so that the move into place is atomic (one file system).
    Path partial = jar.resolveSibling("meshfed.jsa.partial");
    Path log = jar.resolveSibling("meshfed.jsa.log");
    // With a server's defaults: the classes it loads are the same, and one training JVM holds both.
    JvmDefaults defaults = JvmDefaults.load();
    List<String> cmd = new ArrayList<>(List.of(javaBin.toString()));
    cmd.addAll(defaults.jvmOptions(JvmDefaults.Kind.SERVER));
    cmd.addAll(List.of("-XX:ArchiveClassesAtExit=" + partial, "-jar", jar.toString(),
        "class-data-training", "--data-dir", work.resolve("data").toString()));
    ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    defaults.applyEnvironment(JvmDefaults.Kind.SERVER, builder.environment());
    Process p = builder.start();
    try {
      // The JVM writes the archive as it exits.
      if (!p.waitFor(TRAINING_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException("the class-data training run (a development server and a gateway) did not finish"
            + " within " + TRAINING_TIMEOUT_SECONDS + "s; its log: " + log);
      }
      if (p.exitValue() != 0) {
        throw new IOException("the class-data training run exited with " + p.exitValue() + "; its log: " + log);
      }
      if (!Files.isRegularFile(partial) || Files.size(partial) == 0) {
        throw new IOException("the class-data training run wrote no archive; its log: " + log);
      }
      Files.move(partial, jsa, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      // A jar dated in the future (bin/meshfed dates it like its newest source) must not look newer.
      FileTime jarTime = Files.getLastModifiedTime(jar);
      if (Files.getLastModifiedTime(jsa).compareTo(jarTime) < 0) {
        Files.setLastModifiedTime(jsa, jarTime);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the class-data archive", e);
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(partial);
      deleteTree(work);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * {@code java -cp meshfed.jar io.meshfed.cli.launch.ClassDataArchive JAR}: makes the archive if
   * needed (bin/meshfed calls it after a build). Exit 0 with the archive's path, 1 with the reason.
   */
  public static void main(String[] args) {
    Path jar = Path.of(args[0]).toAbsolutePath();
    try {
      ensure(jar, Path.of(System.getProperty("java.home"), "bin", "java"));
      System.out.println(archiveOf(jar));
    } catch (IOException e) {
      System.err.println("meshfed: no class-data archive, start-up will be slower: " + e.getMessage());
      System.exit(1);
    }
  }
}
