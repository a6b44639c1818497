package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.cli.launch.ClassDataArchive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data archive of the runnable jar: a training run makes it beside the jar, a JVM started
 * with its options loads meshfed's own classes from it, and a rebuilt jar makes it stale.
 */
class ClassDataArchiveProcessTest {
  @TempDir Path dir;

  @Test
  void trainingMakesAnArchiveThatTheNextJvmMapsAndARebuildMakesItStale() throws Exception {
    // A copy, so that this test trains from nothing whatever other tests did to the real jar's archive.
    Path jar = Files.copy(MeshfedProcess.JAR, dir.resolve("meshfed.jar"));
    Path java = Path.of(MeshfedProcess.javaBin());
    assertThat(ClassDataArchive.fresh(jar)).isFalse();
    assertThat(ClassDataArchive.jvmOptions(jar)).isEmpty();

    List<String> options = ClassDataArchive.ensure(jar, java);

    assertThat(ClassDataArchive.archiveOf(jar)).isRegularFile();
    assertThat(ClassDataArchive.fresh(jar)).isTrue();
    assertThat(options).contains("-XX:SharedArchiveFile=" + ClassDataArchive.archiveOf(jar));
    assertThat(sourceOfMain(jar, java, options)).contains("source: shared objects file (top)");
    assertThat(sourceOfMain(jar, java, List.of())).doesNotContain("shared objects file");
    // The training run started a server and a gateway: both kinds of process find their classes in it.
    assertThat(archivedClasses(jar, java)).contains("io.meshfed.server.MeshfedServer",
        "io.meshfed.gateway.MeshGateway", "io.meshfed.gateway.control.GatewayProcess");

    Files.setLastModifiedTime(jar, FileTime.fromMillis(
        Files.getLastModifiedTime(ClassDataArchive.archiveOf(jar)).toMillis() + 1_000));
    assertThat(ClassDataArchive.fresh(jar)).isFalse();
    assertThat(ClassDataArchive.jvmOptions(jar)).isEmpty();
  }

  /** The classes the jar's archive holds, as the JVM lists them. */
  private static List<String> archivedClasses(Path jar, Path java) throws Exception {
    Process p = new ProcessBuilder(java.toString(), "-XX:SharedArchiveFile=" + ClassDataArchive.archiveOf(jar),
        "-XX:+PrintSharedArchiveAndExit", "-jar", jar.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    // lines like "2509: io.meshfed.server.MeshfedServer app_loader"
    return out.lines().map(String::trim).filter(l -> l.matches("\\d+: \\S+ .*"))
        .map(l -> l.split(" ")[1]).toList();
  }

  /** The class-loading log line of the CLI's main class in {@code meshfed --version}. */
  private static String sourceOfMain(Path jar, Path java, List<String> options) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(java.toString()));
    cmd.addAll(options);
    cmd.addAll(List.of("-Xlog:class+load=info", "-jar", jar.toString(), "--version"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().filter(l -> l.contains(" io.meshfed.cli.Main ")).findFirst()
        .orElseThrow(() -> new AssertionError("no class-load line for io.meshfed.cli.Main in: " + out));
  }
}
