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
    // CI clones main without its tags: so does this test, whatever the repository it runs in holds
    for (String tag : git("tag", "-l").lines().toList()) {
      git("tag", "-d", tag);
    }
  }

  @Test
  void aReleaseIsATaggedCommitAtThatVersionFollowedByTheNextSnapshot() throws Exception {
    String before = git("rev-parse", "HEAD");
    String current = projectVersion("HEAD");
    assertThat(current).endsWith("-SNAPSHOT");
    String release = current.replace("-SNAPSHOT", "");
    assertRefused("x.y", "\"x.y\" is not a release number X.Y.Z");
    assertRefused("0.0.1", "0.0.1 is older than the version main is at, " + current);
    git("tag", "-a", "v99.0.0", "-m", "a release from elsewhere");
    assertRefused("99.0.0", "v99.0.0 is already tagged");
    git("tag", "-d", "v99.0.0");
    Files.writeString(clone.resolve("README.md"), "changed\n", java.nio.file.StandardOpenOption.APPEND);
    assertRefused(release, "the working tree has changes; commit or stash them first");
    git("checkout", "-q", "README.md");

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
    // without the tag, as in a clone of main alone, the release commit still refuses a second run
    git("tag", "-d", "v" + release);
    assertRefused(release, release + " was released already (commit "
        + git("rev-parse", "--short", "HEAD~1") + ")");
  }

  /** One line, exit 1, and nothing committed or tagged. */
  private void assertRefused(String version, String why) throws Exception {
    String head = git("rev-parse", "HEAD");
    String tags = git("tag", "-l");
    Run refused = release(version);
    assertThat(refused.exit()).as(refused.output()).isEqualTo(1);
    assertThat(refused.output()).isEqualTo("release: " + why + "\n");
    assertThat(git("rev-parse", "HEAD")).isEqualTo(head);
    assertThat(git("tag", "-l")).isEqualTo(tags);
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
