package io.meshfed.cli.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.cli.launch.JvmDefaults.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvmDefaultsTest {
  /** The repository root: surefire runs in the module's directory. */
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  private static final Path SOURCE_FILE = ROOT.resolve("cli/src/main/resources/" + JvmDefaults.RESOURCE);

  @TempDir
  Path dir;

  @Test
  void theShippedFileParsesAndBoundsAServersHeap() {
    JvmDefaults defaults = JvmDefaults.load();
    assertThat(defaults.jvmOptions(Kind.SERVER)).anyMatch(o -> o.startsWith("-Xmx"))
        .contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    assertThat(defaults.jvmOptions(Kind.GATEWAY)).anyMatch(o -> o.startsWith("-Xmx"))
        .doesNotContain("-XX:TieredStopAtLevel=1");
    assertThat(defaults.environment(Kind.SERVER)).containsEntry("MALLOC_ARENA_MAX", "2");
    assertThat(defaults.environment(Kind.GATEWAY)).containsEntry("MALLOC_ARENA_MAX", "2");
  }

  @Test
  void kindsCommentsAndEnvironment() {
    JvmDefaults d = JvmDefaults.parse("""
        # a comment
        server,gateway  A_B=1   # both
        server          -Xmx100m
        gateway         -Xmx200m
        server          -Dx=y=z
        """);
    assertThat(d.jvmOptions(Kind.SERVER)).containsExactly("-Xmx100m", "-Dx=y=z");
    assertThat(d.jvmOptions(Kind.GATEWAY)).containsExactly("-Xmx200m");
    assertThat(d.environment(Kind.GATEWAY)).isEqualTo(Map.of("A_B", "1"));
    Map<String, String> env = new java.util.HashMap<>(Map.of("A_B", "mine"));
    d.applyEnvironment(Kind.SERVER, env);
    assertThat(env).as("the caller's own value wins").containsEntry("A_B", "mine");
  }

  @Test
  void aBadLineIsRefusedWithItsNumber() {
    assertThatThrownBy(() -> JvmDefaults.parse("server -Xmx1g\nclient -Xmx1g\n"))
        .hasMessageContaining("line 2").hasMessageContaining("'client'");
    assertThatThrownBy(() -> JvmDefaults.parse("server Xmx1g\n")).hasMessageContaining("line 1");
    assertThatThrownBy(() -> JvmDefaults.parse("server -Xmx1g -Xss1m\n")).hasMessageContaining("line 1");
  }

  /** Every Java launcher of a server or gateway JVM reads the file, and none names a heap of its own. */
  @Test
  void everyJavaLauncherUsesIt() throws Exception {
    for (String launcher : List.of("cli/src/main/java/io/meshfed/cli/demo/DemoCluster.java",
        "cli/src/main/java/io/meshfed/cli/launch/ClassDataArchive.java",
        "integration-tests/src/test/java/io/meshfed/it/MeshfedProcess.java")) {
      String source = Files.readString(ROOT.resolve(launcher));
      assertThat(source).as(launcher).contains("JvmDefaults.load()").contains(".jvmOptions(")
          .contains(".applyEnvironment(");
      assertThat(source.replace("cmd.add(\"-Xmx256m\"); // the short-lived CLI commands", ""))
          .as(launcher + ": a heap size of its own").doesNotContain("\"-Xmx");
    }
  }

  /**
   * bin/meshfed, run in a copy of the repository's layout with a java that prints what it got:
   * the file's options first, JAVA_OPTS after them, the environment unless the caller set it, and
   * a collector chosen in JAVA_OPTS instead of ours.
   */
  @Test
  void binMeshfedPassesThemBeforeJavaOpts() throws Exception {
    Path root = dir.resolve("repo");
    Files.createDirectories(root.resolve("bin/lib"));
    Files.copy(ROOT.resolve("bin/meshfed"), root.resolve("bin/meshfed"));
    Files.copy(ROOT.resolve("bin/lib/common.sh"), root.resolve("bin/lib/common.sh"));
    Path options = root.resolve("cli/src/main/resources/" + JvmDefaults.RESOURCE);
    Files.createDirectories(options.getParent());
    Files.copy(SOURCE_FILE, options);
    Path jar = Files.createDirectories(root.resolve("cli/target")).resolve("meshfed.jar");
    Files.writeString(jar, "not a jar");
    // Newer than every input, so that bin/meshfed does not build.
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(3600)));
    Path javaHome = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
    Path java = javaHome.resolve("bin/java");
    Files.writeString(java, "#!/bin/sh\necho \"MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX\"\nfor a in \"$@\"; do echo \"$a\"; done\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

    JvmDefaults defaults = JvmDefaults.load();
    List<String> server = run(root, javaHome, Map.of("JAVA_OPTS", "-Xmx300m -Dmine=1"), "server", "--dev");
    List<String> expected = new java.util.ArrayList<>(List.of("MALLOC_ARENA_MAX=2"));
    expected.addAll(defaults.jvmOptions(Kind.SERVER));
    expected.addAll(List.of("-Xmx300m", "-Dmine=1", "-jar", jar.toString(), "server", "--dev"));
    assertThat(server).containsExactlyElementsOf(expected);

    List<String> gateway = run(root, javaHome, Map.of("MALLOC_ARENA_MAX", "4"), "gateway");
    expected = new java.util.ArrayList<>(List.of("MALLOC_ARENA_MAX=4"));
    expected.addAll(defaults.jvmOptions(Kind.GATEWAY));
    expected.addAll(List.of("-jar", jar.toString(), "gateway"));
    assertThat(gateway).containsExactlyElementsOf(expected);

    assertThat(run(root, javaHome, Map.of("JAVA_OPTS", "-XX:+UseG1GC"), "server"))
        .contains("-XX:+UseG1GC").doesNotContain("-XX:+UseSerialGC");
    assertThat(run(root, javaHome, Map.of(), "federation-state", "list"))
        .as("other commands are not servers").doesNotContain("-XX:+UseSerialGC").contains("-jar");
  }

  private static List<String> run(Path root, Path javaHome, Map<String, String> env, String... args)
      throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", root.resolve("bin/meshfed").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    b.environment().remove("JAVA_OPTS");
    b.environment().remove("MALLOC_ARENA_MAX");
    b.environment().remove("MESHFED_CLASS_DATA");
    b.environment().put("JAVA_HOME", javaHome.toString());
    b.environment().putAll(env);
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().toList();
  }
}
