package io.meshfed.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The runnable jar of the release before this build, for the tests that run it beside this build
 * (a mixed federation, a rolling upgrade). The release is the newest tag {@code vX.Y.Z} reachable
 * from HEAD whose version is lower than this build's ({@code meshfed.version}, which the
 * integration-tests pom passes; a {@code -SNAPSHOT} suffix is dropped). Its sources come from
 * {@code git archive} of the tag and nothing else of the clone; it is built once per test JVM into
 * {@code target/previous-release/<tag>/}, and a jar already there is reused. The build uses the
 * outer build's local repository and goes offline only if the outer build did.
 *
 * <p>A clone without the tags (a checkout of the branch alone) still holds the release commits that
 * {@code bin/release} makes, "Release X.Y.Z": the newest of those below this build stands in for
 * its tag. Without git, or without either (a shallow clone), the calling test is skipped, or fails
 * with CI=true ({@link Prerequisites}).
 */
final class PreviousRelease {
  private static final Duration GIT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
  private static final Path MODULE = Path.of(System.getProperty("user.dir"));
  private static final Path ROOT = MODULE.getParent();
  private static final java.util.regex.Pattern RELEASE_COMMIT =
      java.util.regex.Pattern.compile("^([0-9a-f]{40}) Release (\\d+\\.\\d+\\.\\d+)$");

  /** The tag and its runnable jar. */
  record Release(String tag, Path jar) {}

  /** A release by its tag's name, and what {@code git archive} takes for it: the tag, or its release commit. */
  record Ref(String tag, String treeish) {}

  private static Release built;

  private PreviousRelease() {}

  /** The previous release's runnable jar, built on first use; skips or fails the test without one. */
  static synchronized Release require(String test) throws Exception {
    if (built != null) {
      return built;
    }
    String version = System.getProperty("meshfed.version", "");
    if (version.isEmpty()) {
      throw new IllegalStateException("the system property meshfed.version is unset: run through Maven, whose"
          + " integration-tests pom passes ${project.version}");
    }
    Optional<Ref> tag = findTag(version, test);
    if (tag.isEmpty()) {
      return null; // skipped or failed by Prerequisites already
    }
    built = new Release(tag.get().tag(), build(tag.get()));
    return built;
  }

  /** The newest {@code v*} tag reachable from HEAD below {@code version}; empty once the test is skipped. */
  private static Optional<Ref> findTag(String version, String test) throws Exception {
    String howToGetTags = "fetch the release tags with `git fetch --tags` (`git fetch --unshallow --tags` in a"
        + " shallow clone)";
    if (!MeshfedProcess.onPath("git")) {
      Prerequisites.require(Optional.of("git is not on the PATH, so the previous release cannot be built ("
          + howToGetTags + " in a git clone)"), test);
      return Optional.empty();
    }
    Result tags = run(ROOT, GIT_TIMEOUT, "git", "tag", "--merged", "HEAD", "--list", "v*");
    if (tags.exit() != 0) {
      Prerequisites.require(Optional.of(ROOT + " is not a git clone with history (git tag: " + tags.output().strip()
          + "); " + howToGetTags), test);
      return Optional.empty();
    }
    Optional<Ref> best = newestBelow(tags.output().lines().toList(), version).map(t -> new Ref(t, t));
    if (best.isEmpty()) {
      Result commits = run(ROOT, GIT_TIMEOUT, "git", "log", "--format=%H %s", "-E",
          "--grep=^Release [0-9]+\\.[0-9]+\\.[0-9]+$", "HEAD");
      if (commits.exit() == 0) {
        best = newestReleaseCommitBelow(commits.output().lines().toList(), version);
      }
    }
    if (best.isEmpty()) {
      Prerequisites.require(Optional.of("no release tag v* below " + version + " is reachable from HEAD; "
          + howToGetTags), test);
    }
    return best;
  }

  /** Of {@code tags}, the highest {@code vMAJOR.MINOR.PATCH} below {@code version} (a -SNAPSHOT suffix dropped). */
  static Optional<String> newestBelow(List<String> tags, String version) {
    int[] current = parse(version.replaceFirst("-SNAPSHOT$", ""));
    if (current == null) {
      throw new IllegalArgumentException("version " + version + " is not MAJOR.MINOR.PATCH[-SNAPSHOT]");
    }
    String best = null;
    int[] bestVersion = null;
    for (String t : tags.stream().map(String::strip).filter(l -> l.startsWith("v")).toList()) {
      int[] v = parse(t.substring(1));
      if (v != null && compare(v, current) < 0 && (bestVersion == null || compare(v, bestVersion) > 0)) {
        best = t;
        bestVersion = v;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Of {@code git log --format="%H %s"} lines, the release commit ("Release X.Y.Z", as bin/release
   * writes it) of the highest release below {@code version}.
   */
  static Optional<Ref> newestReleaseCommitBelow(List<String> lines, String version) {
    java.util.Map<String, String> commitByTag = new java.util.HashMap<>();
    for (String line : lines) {
      java.util.regex.Matcher m = RELEASE_COMMIT.matcher(line.strip());
      if (m.matches()) {
        commitByTag.putIfAbsent("v" + m.group(2), m.group(1)); // git log is newest first
      }
    }
    return newestBelow(List.copyOf(commitByTag.keySet()), version).map(t -> new Ref(t, commitByTag.get(t)));
  }

  /** Builds the release's runnable jar into target/previous-release/<tag>/, or reuses the one there. */
  private static Path build(Ref release) throws Exception {
    String tag = release.tag();
    Path dir = MODULE.resolve("target").resolve("previous-release").resolve(tag);
    Path jar = dir.resolve("cli/target/meshfed.jar");
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    // A half-built tree from an interrupted run is rebuilt from scratch.
    deleteTree(dir);
    Files.createDirectories(dir);
    Path archive = dir.resolveSibling(tag + ".tar");
    Result archived = run(ROOT, GIT_TIMEOUT, "git", "archive", "--format=tar", "-o", archive.toString(),
        release.treeish());
    if (archived.exit() != 0) {
      throw new IllegalStateException("git archive " + tag + " failed: " + archived.output());
    }
    Result extracted = run(dir, GIT_TIMEOUT, "tar", "-xf", archive.toString());
    Files.deleteIfExists(archive);
    if (extracted.exit() != 0) {
      throw new IllegalStateException("extracting " + tag + " into " + dir + " failed: " + extracted.output());
    }
    List<String> mvn = new ArrayList<>(List.of(mavenExecutable(), "-q", "-B", "-pl", "cli", "-am", "package",
        "-DskipTests"));
    if ("offline=true".equals(System.getProperty("meshfed.maven.offline"))) {
      mvn.add("-o");
    }
    String repo = System.getProperty("meshfed.maven.repo.local", "");
    if (!repo.isEmpty()) {
      mvn.add("-Dmaven.repo.local=" + repo);
    }
    long started = System.nanoTime();
    Result maven = run(dir, BUILD_TIMEOUT, mvn.toArray(String[]::new));
    if (maven.exit() != 0 || !Files.isRegularFile(jar)) {
      throw new IllegalStateException("building " + tag + " (" + String.join(" ", mvn) + " in " + dir + ") failed"
          + " with exit code " + maven.exit() + ": " + maven.output());
    }
    System.out.printf("previous release %s built in %d s: %s%n", tag,
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), jar);
    return jar;
  }

  /** The outer build's Maven (maven.home, passed by the pom), else mvn on the PATH. */
  private static String mavenExecutable() {
    String home = System.getProperty("meshfed.maven.home", "");
    if (!home.isEmpty() && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
      return Path.of(home, "bin", "mvn").toString();
    }
    return "mvn";
  }

  private record Result(int exit, String output) {}

  private static Result run(Path dir, Duration timeout, String... command) throws Exception {
    Path out = Files.createTempFile("meshfed-previous-release", ".log");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(out.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** MAJOR.MINOR.PATCH as numbers; null for anything else (a pre-release tag). */
  static int[] parse(String version) {
    if (!version.matches("\\d+\\.\\d+\\.\\d+")) {
      return null;
    }
    return Arrays.stream(version.split("\\.")).mapToInt(Integer::parseInt).toArray();
  }

  static int compare(int[] a, int[] b) {
    return Arrays.compare(a, b);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
