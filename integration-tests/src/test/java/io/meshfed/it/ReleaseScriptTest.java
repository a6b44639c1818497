package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/release} on a clone of this repository (the working tree's script copied in, so an
 * uncommitted change is what is tested): the tagged commit is the release, main moves to the next
 * snapshot, and each refusal is one line that changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReleaseScriptTest {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
  @TempDir static Path dir;
  Path clone;

  private record Run(int exit, String output) {}

  @BeforeAll
  void cloneTheRepository() throws Exception {
    boolean history = Files.exists(ROOT.resolve(".git"));
    Prerequisites.require(MeshfedProcess.onPath("git") && history ? Optional.empty()
        : Optional.of("git or the repository's history is missing"), "ReleaseScriptTest");
    clone = dir.resolve("repo");
    assertThat(run(dir, "git", "clone", "-q", ROOT.toString(), clone.toString()).exit()).isZero();
    for (String script : List.of("bin/release", "bin/lib/common.sh")) {
      Files.copy(ROOT.resolve(script), clone.resolve(script), StandardCopyOption.REPLACE_EXISTING);
    }
    git("checkout", "-q", "-B", "main");
    git("commit", "-q", "--allow-empty", "-am",
        "the working tree's release script");
  }

  @Test
  void aReleaseIsATaggedCommitAtThatVersionFollowedByTheNextSnapshot() throws Exception {
    String before = git("rev-parse", "HEAD");
    String current = projectVersion("HEAD");
    assertThat(current).endsWith("-SNAPSHOT");
    String release = current.replace("-SNAPSHOT", "");
    for (Run refused : List.of(release("x.y"), release("0.1.0"))) {
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.output().strip()).doesNotContain("\n").startsWith("release: ");
    }
    assertThat(release("0.1.0").output()).isEqualTo("release: v0.1.0 is already tagged\n");
    Files.writeString(clone.resolve("README.md"), "changed\n", java.nio.file.StandardOpenOption.APPEND);
    assertThat(release(release).output())
        .isEqualTo("release: the working tree has changes; commit or stash them first\n");
    git("checkout", "-q", "README.md");
    assertThat(git("rev-parse", "HEAD")).isEqualTo(before);

    Run ok = release(release);
    assertThat(ok.exit()).as(ok.output()).isZero();
    assertThat(projectVersion("v" + release)).isEqualTo(release);
    String[] parts = release.split("\\.");
    String next = parts[0] + "." + (Integer.parseInt(parts[1]) + 1) + ".0-SNAPSHOT";
    assertThat(projectVersion("HEAD")).isEqualTo(next);
    for (String module : List.of("protocol", "server", "cli", "integration-tests")) {
      assertThat(git("show", "v" + release + ":" + module + "/pom.xml"))
          .contains("<artifactId>meshfed-parent</artifactId><version>" + release + "</version>");
      assertThat(git("show", "HEAD:" + module + "/pom.xml"))
          .contains("<artifactId>meshfed-parent</artifactId><version>" + next + "</version>");
    }
    assertThat(git("cat-file", "-t", "v" + release)).as("an annotated tag").isEqualTo("tag");
    assertThat(git("rev-parse", "HEAD~2")).isEqualTo(before);
    // only version lines changed
    assertThat(git("diff", "--stat", before, "v" + release)).contains((countPoms() + " files changed, "
        + countPoms() + " insertions(+), " + countPoms() + " deletions(-)"));
  }

  private long countPoms() throws IOException {
    try (var files = Files.list(clone)) {
      return 1 + files.filter(d -> Files.isRegularFile(d.resolve("pom.xml"))).count();
    }
  }

  private String projectVersion(String rev) throws Exception {
    String pom = git("show", rev + ":pom.xml");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^  <version>([^<]+)</version>$").matcher(pom);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private Run release(String version) throws Exception {
    return run(clone, "bash", "bin/release", version);
  }

  private String git(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Run r = run(clone, cmd.toArray(String[]::new));
    assertThat(r.exit()).as(String.join(" ", args) + ": " + r.output()).isZero();
    return r.output().strip();
  }

  private static Run run(Path in, String... command) throws Exception {
    ProcessBuilder b = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true);
    // the script commits and tags: an identity, whatever this machine's git configuration says
    for (String who : List.of("AUTHOR", "COMMITTER")) {
      b.environment().put("GIT_" + who + "_NAME", "release test");
      b.environment().put("GIT_" + who + "_EMAIL", "release-test@example.com");
    }
    Process p = b.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }
}
