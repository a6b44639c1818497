package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.protocol.model.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/getting-started.md, followed as written: every HOCON block is written to the file named
 * just before it, every {@code $ } command of every console block runs in one empty directory,
 * with the guide's fixed ports, and what it prints must match what the guide shows. Log excerpts
 * (untagged blocks) must appear in the logs of the processes started so far. So the guide cannot
 * drift from the code unnoticed.
 *
 * <p>What a command prints is compared exactly, except what depends on timing, which the guide says
 * will differ and which is matched by its shape only (see {@link #stable}):
 * <ul>
 *   <li>times: ISO-8601 timestamps, anywhere;
 *   <li>absolute directories (the guide was written in /home/you/gs);
 *   <li>releases ({@code 0.2.0}, {@code 0.3.0-SNAPSHOT}): the guide names the release it was written with;
 *   <li>indexes: the numbers of table columns named {@code ...INDEX}, of {@code key: value} lines
 *       keyed {@code ...Index} (or {@code Pushes}, anti-entropy's count) and of JSON fields named
 *       {@code ...Index}, since they count the writes made so far;
 *   <li>the replication's last failure: the {@code LastError:} and {@code LastErrorAt:} lines of a
 *       routine's details may be absent (it never failed) or name whatever failure the start-up
 *       timing produced before its first success (the feature barrier, a gateway not yet
 *       reachable...).
 * </ul>
 * Everything else (words, states, counts, names, addresses, ports) must be as the guide shows it
 * once the federation has settled: reads are retried until they match, for up to {@link #SETTLE}.
 */
class GettingStartedGuideProcessTest {
  private static final Path GUIDE = Path.of(System.getProperty("user.dir")).resolve("../docs/getting-started.md")
      .normalize();
  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration CLI = Duration.ofSeconds(60);
  /** How long a read may take to show what the guide shows (members turn alive, states replicate). */
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static final Pattern SECTION = Pattern.compile("^## (.+)$");
  private static final Pattern FILE_NAME = Pattern.compile("^`([\\w.-]+\\.\\w+)`");
  private static final Pattern GUIDE_PORT = Pattern.compile(
      "127\\.0\\.0\\.1:(\\d+)|--admin-port (\\d+)|\\b(?:http|grpc|server|lan) = (\\d+)");
  /** A log line's time and logger: what the guide's excerpts are about is the level and the text. */
  private static final Pattern LOG_PREFIX = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (\\w+) +\\S+ - ");
  // What depends on timing (see the class comment). The ports are the guide's own here, so they must match.
  private static final Pattern ISO_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
  private static final Pattern ABSOLUTE_DIR = Pattern.compile("(?<![\\w.:/])/(?:[^\\s/]+/)+");
  /** A column, key or JSON field that holds an index. */
  /** A release (x.y.z, or a snapshot build of one), but not a part of an IPv4 address. */
  private static final Pattern RELEASE = Pattern.compile("(?<![\\d.])\\d+\\.\\d+\\.\\d+(?:-SNAPSHOT)?(?![\\d.])");
  private static final Pattern INDEX_NAME = Pattern.compile("(?i).*index|pushes");
  /** How replication last failed, if it did: which failure depends on the start-up timing. */
  private static final Pattern LAST_ERROR_LINE = Pattern.compile("^\\s*LastError(At)?: .*$");
  private static final Pattern NUMBER = Pattern.compile("^\\d+$");
  private static final Pattern KEY_VALUE = Pattern.compile("^(\\s*[\\w-]+): (.*)$");
  /** A table's header: two or more upper-case column names. */
  private static final Pattern HEADER_CELL = Pattern.compile("[A-Z][A-Z-]*");
  private static final Set<String> LONG_RUNNING = Set.of("server", "gateway");

  @TempDir Path dir;

  private final List<Running> running = new ArrayList<>();

  /** A server or gateway the guide starts in the background ("in a second terminal"). */
  private record Running(String command, MeshfedProcess process) {}

  private sealed interface Step permits WriteFile, Command, LogExcerpt {
    String where();
  }

  private record WriteFile(String where, String name, String content) implements Step {}

  private record Command(String where, String command, List<String> expected) implements Step {}

  private record LogExcerpt(String where, List<String> lines) implements Step {}

  @Test
  void theGuideIsTrue() throws Exception {
    String guide = Files.readString(GUIDE);
    List<Step> steps = parse(guide);
    assertThat(steps).as("steps read from " + GUIDE).filteredOn(Command.class::isInstance).hasSizeGreaterThan(5);
    assertGuidePortsFree(guide);
    try {
      for (Step step : steps) {
        if (step instanceof WriteFile w) {
          Files.writeString(dir.resolve(w.name()), w.content());
        } else if (step instanceof Command c) {
          follow(c);
        } else if (step instanceof LogExcerpt l) {
          awaitInLogs(l);
        }
      }
      stopAll();
    } finally {
      running.forEach(r -> r.process().close());
    }
  }

  // ---- the comparison rule on the guide's own outputs, without starting anything ----

  /** The replication may have failed otherwise before its first success, or not at all. */
  @Test
  void theLastReplicationErrorMayDifferOrBeAbsent() throws IOException {
    List<String> guide = guideOutput("meshfed operator routines");
    List<String> otherError = replace(guide, "  LastError: .*",
        "  LastError: failed to retrieve federation states: datacenter dc1 did not answer: the connection closed "
            + "before the handshake completed");
    otherError = replace(otherError, "  LastErrorAt: .*", "  LastErrorAt: 2031-01-02T03:04:05.6Z");
    assertThat(otherError).as("the guide shows a LastError").isNotEqualTo(guide);
    assertMatches("another failure", guide, otherError);
    assertMatches("no failure", guide, otherError.stream().filter(l -> !l.contains("LastError")).toList());
  }

  @Test
  void indexesAndTimesMayDiffer() throws IOException {
    List<String> states = guideOutput("meshfed federation-state list");
    List<String> otherStates = replace(states, "^(dc\\d) +1 +\\d+ +\\d+ +\\S+$",
        "$1         1         123                   45            2031-01-02T03:04:05Z");
    assertThat(otherStates).as("the guide shows two states").isNotEqualTo(states);
    assertMatches("other indexes and times", states, otherStates);
    List<String> routines = guideOutput("meshfed operator routines");
    List<String> otherIndex = replace(routines, "  RemoteIndex: .*", "  RemoteIndex: 4567");
    assertThat(otherIndex).as("the guide shows a RemoteIndex").isNotEqualTo(routines);
    assertMatches("another remote index", routines, otherIndex);
    List<String> locator = guideOutput("curl -s 127.0.0.1:9500/v1/agent/gateway-locator");
    assertThatThrownBy(() -> assertMatches("a count is not an index", locator,
        replace(locator, "\"ConsecutiveReplicationFailures\":0", "\"ConsecutiveReplicationFailures\":3")))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void whatIsStableMustBeAsShown() throws IOException {
    List<String> routines = guideOutput("meshfed operator routines");
    for (String[] change : new String[][] {
        {"  Healthy: true", "  Healthy: false"},
        {"  ConsecutiveFailures: 0", "  ConsecutiveFailures: 2"},
        {"Leader: s2", "Leader: s1"},
        {"(tcp-checks +)yes", "$1no "},
        {"(member-reconcile +yes +)0", "$11"}}) {
      List<String> changed = replace(routines, change[0], change[1]);
      assertThat(changed).as("the guide still shows " + change[0]).isNotEqualTo(routines);
      assertThatThrownBy(() -> assertMatches("changed " + change[0], routines, changed))
          .as(change[0] + " changed").isInstanceOf(AssertionError.class);
    }
    List<String> states = guideOutput("meshfed federation-state list");
    assertThatThrownBy(() -> assertMatches("two gateways", states, replace(states, "^dc1         1", "dc1         2")))
        .isInstanceOf(AssertionError.class);
    List<String> members = guideOutput("meshfed members");
    assertThatThrownBy(() -> assertMatches("another port", members, replace(members, "127.0.0.1:9300", "127.0.0.1:9399")))
        .isInstanceOf(AssertionError.class);
  }

  /** What the guide shows for its one command that starts with {@code command}. */
  private static List<String> guideOutput(String command) throws IOException {
    List<Command> found = parse(Files.readString(GUIDE)).stream()
        .filter(s -> s instanceof Command c && c.command().startsWith(command)).map(Command.class::cast).toList();
    assertThat(found).as("commands of the guide starting with " + command).hasSize(1);
    return found.get(0).expected();
  }

  private static List<String> replace(List<String> lines, String regex, String replacement) {
    return lines.stream().map(l -> l.replaceAll(regex, replacement)).toList();
  }

  private void follow(Command c) throws Exception {
    List<String> argv = words(c.command());
    String what = c.where() + ": $ " + c.command();
    long started = System.nanoTime();
    followCommand(c, argv, what);
    System.out.printf("guide: $ %s: as shown after %d ms%n", c.command(), (System.nanoTime() - started) / 1_000_000);
  }

  private void followCommand(Command c, List<String> argv, String what) throws Exception {
    if (argv.get(0).equals("curl")) {
      assertThat(argv).as(what + " (the test knows curl -s URL only)").hasSize(3).element(1).isEqualTo("-s");
      awaitMatch(what, c.expected(), () -> httpGet(argv.get(2)));
      return;
    }
    assertThat(argv.get(0)).as(what + ": a command the test knows").isEqualTo("meshfed");
    String[] args = argv.subList(1, argv.size()).toArray(String[]::new);
    if (LONG_RUNNING.contains(args[0])) {
      MeshfedProcess p = MeshfedProcess.startIn(dir, args);
      running.add(new Running(c.command(), p));
      String ready;
      try {
        ready = p.awaitReady(READY);
      } catch (AssertionError e) {
        throw new AssertionError(what + ": " + e.getMessage(), e);
      }
      assertMatches(what, c.expected(), List.of(ready));
    } else if (args[0].equals("tls")) {
      // It creates files: once only.
      assertMatches(what, c.expected(), runToCompletion(what, args));
    } else {
      awaitMatch(what, c.expected(), () -> runToCompletion(what, args));
    }
  }

  private List<String> runToCompletion(String what, String[] args) throws Exception {
    MeshfedProcess.Result r = MeshfedProcess.runIn(dir, CLI, args);
    assertThat(r.exitCode()).as(what + ": exit code; stdout " + r.stdout() + " stderr " + r.stderr()).isZero();
    return r.stdout();
  }

  private interface Output {
    List<String> get() throws Exception;
  }

  /** Reads again until the answer has the guide's shape: the federation takes a while to converge. */
  private void awaitMatch(String what, List<String> expected, Output output) {
    AtomicReference<List<String>> last = new AtomicReference<>();
    try {
      Awaitility.await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).pollDelay(Duration.ZERO)
          .ignoreExceptions().untilAsserted(() -> {
            List<String> actual = output.get();
            last.set(actual);
            assertMatches(what, expected, actual);
          });
    } catch (ConditionTimeoutException e) {
      // The last comparison says what differs.
      assertMatches(what + " (still after " + SETTLE.toSeconds() + " s)", expected,
          last.get() == null ? List.of("<no output: " + e.getMessage() + ">") : last.get());
    }
  }

  static void assertMatches(String what, List<String> expected, List<String> actual) {
    String message = what + "\n--- the guide shows:\n" + String.join("\n", expected)
        + "\n--- it printed:\n" + String.join("\n", actual) + "\n---";
    if (expected.size() == 1 && expected.get(0).endsWith(" ...")) {
      String prefix = expected.get(0).substring(0, expected.get(0).length() - 4);
      assertThat(actual).as(message + "\n(the guide shows the start of one line)").hasSize(1);
      assertThat(actual.get(0)).as(message).startsWith(prefix);
      return;
    }
    if (expected.size() == 1 && expected.get(0).startsWith("{")) {
      assertThat(actual).as(message).hasSize(1);
      assertSameJson(message, expected.get(0), actual.get(0));
      return;
    }
    List<List<String>> want = stable(expected);
    List<List<String>> got = stable(actual);
    assertThat(got).as(message + "\n(number of lines, without the LastError lines)").hasSameSizeAs(want);
    for (int i = 0; i < want.size(); i++) {
      assertThat(got.get(i)).as(message + "\n(line " + (i + 1) + ", without the LastError lines)")
          .isEqualTo(want.get(i));
    }
  }

  /**
   * The same top-level keys, and the same values except indexes and times.
   */
  private static void assertSameJson(String message, String expected, String actual) {
    JsonNode e;
    JsonNode a;
    try {
      e = Json.mapper().readTree(expected);
      a = Json.mapper().readTree(actual);
    } catch (IOException ex) {
      throw new AssertionError(message + "\n(not JSON: " + ex.getMessage() + ")", ex);
    }
    assertThat(fieldNames(a)).as(message + "\n(top-level keys)").isEqualTo(fieldNames(e));
    for (String key : fieldNames(e)) {
      boolean index = INDEX_NAME.matcher(key).matches() && e.get(key).isNumber() && a.get(key).isNumber();
      if (!index && !ISO_TIME.matcher(e.get(key).asText()).matches()) {
        assertThat(a.get(key)).as(message + "\n(" + key + ")").isEqualTo(e.get(key));
      }
    }
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /**
   * What of an output must be as the guide shows it: each line as its cells (columns two or more
   * spaces apart, or "key:" and value), with what depends on timing (the class comment) masked or,
   * for the LastError lines, left out.
   */
  static List<List<String>> stable(List<String> lines) {
    List<List<String>> out = new ArrayList<>();
    List<Boolean> indexColumns = List.of();
    for (String line : lines) {
      if (LAST_ERROR_LINE.matcher(line).matches()) {
        continue;
      }
      String masked = RELEASE.matcher(ABSOLUTE_DIR.matcher(ISO_TIME.matcher(line).replaceAll("<time>"))
          .replaceAll("<dir>/")).replaceAll("<release>");
      Matcher kv = KEY_VALUE.matcher(masked);
      if (kv.matches()) {
        String key = kv.group(1);
        out.add(List.of(key + ":", index(INDEX_NAME.matcher(key.strip()).matches(), kv.group(2))));
        continue;
      }
      List<String> cells = new ArrayList<>();
      for (String cell : masked.split(" {2,}", -1)) {
        cells.add(cell.stripTrailing());
      }
      if (line.isBlank()) {
        indexColumns = List.of();
      } else if (cells.size() >= 2 && cells.stream().allMatch(c -> HEADER_CELL.matcher(c).matches())) {
        indexColumns = cells.stream().map(c -> INDEX_NAME.matcher(c).matches()).toList();
      } else {
        for (int i = 0; i < cells.size() && i < indexColumns.size(); i++) {
          cells.set(i, index(indexColumns.get(i), cells.get(i)));
        }
      }
      out.add(cells);
    }
    return out;
  }

  private static String index(boolean isIndex, String value) {
    return isIndex && NUMBER.matcher(value.strip()).matches() ? "<index>" : value;
  }

  /** Each line of an excerpt, without its time, must show up in the log of a process started so far. */
  private void awaitInLogs(LogExcerpt excerpt) {
    List<String> wanted = excerpt.lines().stream().map(l -> LOG_PREFIX.matcher(l).replaceFirst("$1 - ")).toList();
    List<String> missing = new ArrayList<>(wanted);
    try {
      Awaitility.await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).until(() -> {
        List<String> logs = new ArrayList<>();
        for (Running r : running) {
          synchronized (r.process().stderr) {
            r.process().stderr.forEach(l -> logs.add(LOG_PREFIX.matcher(l).replaceFirst("$1 - ")));
          }
        }
        missing.removeIf(logs::contains);
        return missing.isEmpty();
      });
    } catch (ConditionTimeoutException e) {
      StringBuilder logs = new StringBuilder();
      for (Running r : running) {
        logs.append("\n--- $ ").append(r.command()).append('\n').append(String.join("\n", r.process().stderr));
      }
      throw new AssertionError(excerpt.where() + ": log lines the guide shows but no process logged within "
          + SETTLE.toSeconds() + " s:\n" + String.join("\n", missing) + "\n--- the logs:" + logs, e);
    }
  }

  /** As the guide says in its last section: gateways first, so they deregister while their server answers. */
  private void stopAll() throws Exception {
    List<Running> order = new ArrayList<>(running.stream().filter(r -> r.command().startsWith("meshfed gateway")).toList());
    running.stream().filter(r -> !order.contains(r)).forEach(order::add);
    for (Running r : order) {
      // 143: the JVM's exit status after SIGTERM once its shutdown hooks have run. A gateway drains
      // first, for up to its 30 s drain timeout (a blocking read through it can last that long).
      assertThat(r.process().terminate(Duration.ofSeconds(60)))
          .as("stopping as the guide says, gateways first: exit code after SIGTERM of $ " + r.command())
          .isIn(0, 130, 143);
    }
  }

  private static List<String> httpGet(String url) throws Exception {
    URI uri = URI.create(url.contains("://") ? url : "http://" + url);
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET " + uri + ": " + r.body()).isEqualTo(200);
    return r.body().lines().toList();
  }

  /** Fails at once, naming the port, rather than letting a server fail to bind deep into the guide. */
  private static void assertGuidePortsFree(String guide) {
    Set<Integer> ports = new TreeSet<>();
    Matcher m = GUIDE_PORT.matcher(guide);
    while (m.find()) {
      for (int g = 1; g <= m.groupCount(); g++) {
        if (m.group(g) != null) {
          ports.add(Integer.parseInt(m.group(g)));
        }
      }
    }
    assertThat(ports).as("the guide's fixed ports").isNotEmpty();
    for (int port : ports) {
      try (ServerSocket ignored = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
        // Free.
      } catch (IOException e) {
        throw new AssertionError("port " + port + " of docs/getting-started.md is already in use on 127.0.0.1 ("
            + e.getMessage() + "): the guide runs on its fixed ports; stop whatever holds it", e);
      }
    }
  }

  /** The guide's steps in order: files to write, commands with their output, log excerpts. */
  static List<Step> parse(String guide) {
    List<Step> steps = new ArrayList<>();
    String section = "(before the first section)";
    String pendingFile = null;
    Iterator<String> lines = guide.lines().iterator();
    int lineNo = 0;
    while (lines.hasNext()) {
      String line = lines.next();
      lineNo++;
      Matcher s = SECTION.matcher(line);
      if (s.matches()) {
        section = s.group(1);
        continue;
      }
      Matcher f = FILE_NAME.matcher(line);
      if (f.find()) {
        pendingFile = f.group(1);
        continue;
      }
      if (!line.startsWith("```")) {
        continue;
      }
      String lang = line.substring(3).strip();
      int start = lineNo;
      List<String> block = new ArrayList<>();
      while (lines.hasNext()) {
        String l = lines.next();
        lineNo++;
        if (l.startsWith("```")) {
          break;
        }
        block.add(l);
      }
      String where = "guide section \"" + section + "\", block at line " + start;
      switch (lang) {
        case "hocon" -> {
          if (pendingFile == null) {
            throw new AssertionError(where + ": a hocon block without a `file.conf` line before it");
          }
          steps.add(new WriteFile(where, pendingFile, String.join("\n", block) + "\n"));
          pendingFile = null;
        }
        case "console" -> steps.addAll(commands(where, block));
        case "" -> steps.add(new LogExcerpt(where, block));
        // Putting bin on the PATH and making an empty directory: done here by running the jar in @TempDir.
        case "shell" -> { }
        default -> throw new AssertionError(where + ": a ```" + lang + " block the test does not know");
      }
    }
    return steps;
  }

  private static List<Command> commands(String where, List<String> block) {
    List<Command> commands = new ArrayList<>();
    for (int i = 0; i < block.size(); ) {
      String line = block.get(i++);
      if (!line.startsWith("$ ")) {
        throw new AssertionError(where + ": output before any $ command: " + line);
      }
      StringBuilder command = new StringBuilder(line.substring(2));
      while (command.toString().endsWith("\\") && i < block.size()) {
        command.setLength(command.length() - 1);
        command.append(' ').append(block.get(i++).strip());
      }
      List<String> expected = new ArrayList<>();
      while (i < block.size() && !block.get(i).startsWith("$ ")) {
        expected.add(block.get(i++));
      }
      commands.add(new Command(where, command.toString().replaceAll("\\s+", " ").strip(), expected));
    }
    return commands;
  }

  /** Splits a command line into words as a shell would for these commands: blanks, "double" and 'single' quotes. */
  static List<String> words(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (char ch : command.toCharArray()) {
      if (quote != 0) {
        if (ch == quote) {
          quote = 0;
        } else {
          word.append(ch);
        }
      } else if (ch == '"' || ch == '\'') {
        quote = ch;
        word = word == null ? new StringBuilder() : word;
      } else if (Character.isWhitespace(ch)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else {
        word = word == null ? new StringBuilder() : word;
        word.append(ch);
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }
}
