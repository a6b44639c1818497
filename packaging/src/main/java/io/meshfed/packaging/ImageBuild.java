package io.meshfed.packaging;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Builds the meshfed container image as a tarball, without a container daemon and without pulling
 * a base image: Jib from scratch, with three layers.
 *
 * <ol>
 *   <li>{@code base}: a JRE made with jlink from the JDK that runs this builder (only the modules
 *       the server needs), the glibc shared libraries that the JRE and the jar's native libraries
 *       (netty-tcnative BoringSSL, netty epoll) load, copied from this host as {@code ldd} finds
 *       them, and a minimal {@code /etc} (passwd and group with the user {@code meshfed}, uid
 *       10001) and {@code /tmp}, where netty unpacks its native libraries.
 *   <li>{@code app}: the runnable jar at {@code /usr/lib/meshfed/meshfed.jar}. The jar's
 *       class-data archive is left out: it is made by the build's JDK, whose module image differs
 *       from the jlinked one, so the JVM would refuse to map it.
 *   <li>{@code config}: the default configuration under {@code /etc/meshfed} and the data dir
 *       {@code /var/lib/meshfed}, owned by meshfed.
 * </ol>
 *
 * <p>Usage: {@code java -jar meshfed-image-builder.jar --jar cli/target/meshfed.jar --config-dir
 * packaging/image/etc --out packaging/target/meshfed-image.tar --work DIR --version V --revision R
 * --source URL}. The work dir holds the JRE and Jib's layer caches and is emptied first: nothing
 * is reused from an earlier build.
 */
public final class ImageBuild {
  /** The modules of the JRE: jdeps on the shaded jar, plus what it cannot see (providers, TLS curves). */
  static final List<String> MODULES = List.of(
      "java.base", "java.compiler", "java.desktop", "java.instrument", "java.management", "java.naming",
      "java.net.http", "java.scripting", "java.security.jgss", "java.sql", "java.sql.rowset", "java.xml",
      "jdk.crypto.ec", "jdk.jfr", "jdk.management", "jdk.naming.dns", "jdk.net", "jdk.unsupported", "jdk.zipfs");

  static final String USER = "meshfed";
  static final int UID = 10001;
  static final String JRE = "/opt/java";
  static final String JAR = "/usr/lib/meshfed/meshfed.jar";
  static final String DATA_DIR = "/var/lib/meshfed";
  /** Server (8300), LAN (8301), HTTP (8500), gRPC (8502), a gateway's default listen port and admin port. */
  static final List<Integer> PORTS = List.of(8300, 8301, 8500, 8502, 8443, 19000);

  /**
   * java.desktop is in the JRE for java.beans, which libraries on the class path refer to; its
   * native libraries for windows, fonts, images and sound, which a server never loads, would pull
   * X11, freetype, ALSA and a dozen more host libraries into the image: they are deleted.
   */
  static final List<String> DESKTOP_NATIVES = List.of("libawt_xawt.so", "libfontmanager.so", "libjavajpeg.so",
      "libjawt.so", "libjsound.so", "liblcms.so", "libsplashscreen.so", "libmlib_image.so");

  /** Every layer's files carry this time, so that the same inputs give the same layer digests. */
  private static final Instant EPOCH = Instant.EPOCH;
  private static final Pattern LDD_LINE = Pattern.compile("^\\s*(?:\\S+\\s+=>\\s+)?(/\\S+)\\s+\\(0x[0-9a-f]+\\)\\s*$");

  private ImageBuild() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = options(args);
    Path jar = Path.of(required(opts, "--jar"));
    Path configDir = Path.of(required(opts, "--config-dir"));
    Path out = Path.of(required(opts, "--out"));
    Path work = Path.of(required(opts, "--work"));
    String version = required(opts, "--version");
    String revision = opts.getOrDefault("--revision", "unknown");
    String source = opts.getOrDefault("--source", "");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("the runnable jar " + jar + " is missing: build it first (mvn -pl cli -am package)");
    }
    long start = System.nanoTime();
    deleteRecursively(work);
    Files.createDirectories(work);
    Path jre = work.resolve("jre");
    jlink(jre);
    for (String lib : DESKTOP_NATIVES) {
      Files.deleteIfExists(jre.resolve("lib").resolve(lib));
    }
    long jlinked = System.nanoTime();

    Path natives = work.resolve("native");
    List<Path> elfs = new ArrayList<>(elfFiles(jre));
    elfs.addAll(extractNatives(jar, natives));
    Map<String, Path> libs = sharedLibraries(elfs, jre);
    Path etc = work.resolve("etc");
    writeEtc(etc);
    Path empty = Files.createDirectories(work.resolve("empty"));

    FileEntriesLayer.Builder base = FileEntriesLayer.builder().setName("base");
    base.addEntryRecursive(jre, AbsoluteUnixPath.get(JRE), (src, dst) -> permissionsOf(src), (src, dst) -> EPOCH);
    for (Map.Entry<String, Path> lib : libs.entrySet()) {
      base.addEntry(lib.getValue(), AbsoluteUnixPath.get(lib.getKey()), FilePermissions.fromOctalString("755"), EPOCH);
    }
    base.addEntryRecursive(etc, AbsoluteUnixPath.get("/etc"), (src, dst) -> permissionsOf(src), (src, dst) -> EPOCH);
    // Jib writes only 3-digit modes, so /tmp cannot carry the sticky bit; the container has one user.
    base.addEntry(empty, AbsoluteUnixPath.get("/tmp"), FilePermissions.fromOctalString("777"), EPOCH);

    FileEntriesLayer app = FileEntriesLayer.builder().setName("app")
        .addEntry(jar, AbsoluteUnixPath.get(JAR), FilePermissions.fromOctalString("644"), EPOCH)
        .build();

    String owner = UID + ":" + UID;
    FileEntriesLayer.Builder config = FileEntriesLayer.builder().setName("config");
    config.addEntryRecursive(configDir, AbsoluteUnixPath.get("/etc/meshfed"), (src, dst) -> permissionsOf(src),
        (src, dst) -> EPOCH, (src, dst) -> "0:0");
    config.addEntry(empty, AbsoluteUnixPath.get(DATA_DIR), FilePermissions.fromOctalString("750"), EPOCH, owner);

    JibContainerBuilder image = Jib.fromScratch()
        .setFormat(ImageFormat.OCI)
        .setCreationTime(EPOCH)
        .addFileEntriesLayer(base.build())
        .addFileEntriesLayer(app)
        .addFileEntriesLayer(config.build())
        .setEntrypoint(entrypoint())
        .setProgramArguments("server", "--config-file", "/etc/meshfed/server.conf")
        .setEnvironment(environment())
        .setUser(owner)
        .setWorkingDirectory(AbsoluteUnixPath.get(DATA_DIR))
        .addVolume(AbsoluteUnixPath.get(DATA_DIR))
        .addLabel("org.opencontainers.image.title", "meshfed")
        .addLabel("org.opencontainers.image.version", version)
        .addLabel("org.opencontainers.image.revision", revision)
        .addLabel("org.opencontainers.image.source", source);
    for (int port : PORTS) {
      image.addExposedPort(Port.tcp(port));
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.deleteIfExists(out);
    image.containerize(Containerizer.to(TarImage.at(out).named("meshfed:" + tag(version)))
        .setBaseImageLayersCache(work.resolve("cache/base"))
        .setApplicationLayersCache(work.resolve("cache/app"))
        .setOfflineMode(true)
        .setToolName("meshfed-image-builder")
        .setToolVersion(version));
    long done = System.nanoTime();
    System.out.printf("image: %s (%d MB; jlink %.1f s, layers and tarball %.1f s; %d shared libraries from this host)%n",
        out, Files.size(out) >> 20, (jlinked - start) / 1e9, (done - jlinked) / 1e9, libs.size());
  }

  /**
   * The java command of the image. There is no shell in the image, so the entrypoint is the JVM
   * itself: it cannot choose options per subcommand as the launchers do from the shipped JVM
   * defaults. The heap follows the container's memory limit instead of a fixed -Xmx.
   */
  static List<String> entrypoint() {
    return List.of(JRE + "/bin/java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", JAR);
  }

  static Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", JRE + "/bin:/usr/bin:/bin");
    env.put("JAVA_HOME", JRE);
    // As in the shipped JVM defaults: a JVM's native allocations fit in two malloc arenas.
    env.put("MALLOC_ARENA_MAX", "2");
    // The server's collector and compiler from the shipped defaults, in a variable rather than the
    // entrypoint: a gateway's container sets it empty (G1 and both compilers), or to a collector of
    // its own, which the JVM would refuse beside a second one on the command line.
    env.put("JAVA_TOOL_OPTIONS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    return env;
  }

  /** A Maven version as an image tag: SNAPSHOT versions are legal tags as they are. */
  private static String tag(String version) {
    return version.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  private static void jlink(Path output) throws IOException {
    ToolProvider jlink = ToolProvider.findFirst("jlink").orElseThrow(() ->
        new IllegalStateException("jlink is missing: the image builder must run on a JDK (java.home "
            + System.getProperty("java.home") + "), not a JRE"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
    int rc = jlink.run(ps, ps, "--add-modules", String.join(",", MODULES), "--strip-debug", "--no-header-files",
        "--no-man-pages", "--output", output.toString());
    if (rc != 0) {
      throw new IllegalStateException("jlink failed (exit " + rc + "): " + log.toString(StandardCharsets.UTF_8).strip());
    }
  }

  private static List<Path> elfFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).filter(ImageBuild::isElf).toList();
    }
  }

  private static boolean isElf(Path p) {
    try (InputStream in = Files.newInputStream(p)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
  }

  /** The jar's x86-64 native libraries, which netty unpacks to /tmp at run time and the loader then links. */
  private static List<Path> extractNatives(Path jar, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> natives = new ArrayList<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        String name = e.getName();
        if (name.startsWith("META-INF/native/") && name.endsWith(".so") && name.contains("x86_64")) {
          Path target = dir.resolve(name.substring(name.lastIndexOf('/') + 1));
          try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
          }
          natives.add(target);
        }
      }
    }
    if (natives.isEmpty()) {
      throw new IllegalStateException(jar + " holds no x86-64 native library under META-INF/native: not the runnable jar?");
    }
    return natives;
  }

  /**
   * The host's shared libraries that the given ELF files load, by the path the loader found them
   * at (which is where it looks in the image too), libraries inside the JRE left out.
   */
  private static Map<String, Path> sharedLibraries(List<Path> elfs, Path jre) throws IOException, InterruptedException {
    Map<String, Path> libs = new TreeMap<>();
    for (Path elf : elfs) {
      Process ldd = new ProcessBuilder("ldd", elf.toString()).redirectErrorStream(true).start();
      String output = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!ldd.waitFor(30, TimeUnit.SECONDS)) {
        ldd.destroyForcibly();
        throw new IllegalStateException("ldd " + elf + " did not finish in 30 s");
      }
      for (String line : output.split("\n")) {
        if (line.contains("not found") && !line.contains("libjvm.so")) {
          // libjvm.so is found through the JRE's own run path when java loads it; anything else is a gap.
          throw new IllegalStateException("ldd " + elf + ": " + line.strip() + " (install it on this host)");
        }
        Matcher m = LDD_LINE.matcher(line);
        if (m.matches() && !Path.of(m.group(1)).startsWith(jre)) {
          Path found = Path.of(m.group(1));
          libs.put(found.toString(), found.toRealPath());
        }
      }
    }
    if (libs.keySet().stream().noneMatch(l -> l.contains("libc.so"))) {
      throw new IllegalStateException("ldd found no libc in " + elfs.size() + " ELF files: is this a glibc host?");
    }
    return libs;
  }

  private static void writeEtc(Path etc) throws IOException {
    Files.createDirectories(etc);
    Files.writeString(etc.resolve("passwd"),
        "root:x:0:0:root:/root:/sbin/nologin\n" + USER + ":x:" + UID + ":" + UID + ":meshfed:" + DATA_DIR + ":/sbin/nologin\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\n" + USER + ":x:" + UID + ":\n");
    // glibc's files and dns lookups are built into libc: this is all that host-name lookups need.
    Files.writeString(etc.resolve("nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");
  }

  private static FilePermissions permissionsOf(Path p) {
    try {
      return FilePermissions.fromPosixFilePermissions(Files.getPosixFilePermissions(p));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the permissions of " + p, e);
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 == args.length) {
        throw new IllegalArgumentException("expected --option value pairs, got '" + args[i] + "'");
      }
      opts.put(args[i], args[++i]);
    }
    return opts;
  }

  private static String required(Map<String, String> opts, String name) {
    String v = opts.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("missing " + name + " (known: --jar --config-dir --out --work --version --revision --source)");
    }
    return v;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(p);
      }
    }
  }
}
