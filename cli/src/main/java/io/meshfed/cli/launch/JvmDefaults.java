package io.meshfed.cli.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The JVM options and environment that every server and gateway process starts with, from the
 * resource {@value #RESOURCE}: one file for bin/meshfed (which reads it from the source tree), the
 * demo's children, the class-data training run and the process tests, so that the memory a server
 * is measured with is the memory it ships with.
 */
public final class JvmDefaults {
  /** The file, on the classpath and under cli/src/main/resources. */
  public static final String RESOURCE = "io/meshfed/cli/launch/jvm-defaults.options";

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** What a JVM runs: the settings of the file apply per kind. */
  public enum Kind {
    SERVER, GATEWAY;

    /** The kind of {@code meshfed <subcommand>}, or null for a subcommand that is neither. */
    public static Kind ofSubcommand(String subcommand) {
      return switch (subcommand) {
        case "server" -> SERVER;
        case "gateway" -> GATEWAY;
        default -> null;
      };
    }
  }

  private record Setting(Set<Kind> kinds, String value) {}

  private final List<Setting> settings;

  private JvmDefaults(List<Setting> settings) {
    this.settings = settings;
  }

  /** The shipped defaults, from the classpath. */
  public static JvmDefaults load() {
    try (InputStream in = JvmDefaults.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the JVM defaults " + RESOURCE + " are missing from the classpath");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the JVM defaults " + RESOURCE, e);
    }
  }

  /**
   * Parses the file's text.
   *
   * @throws IllegalArgumentException for a line that is not {@code KINDS SETTING}, with its number
   */
  public static JvmDefaults parse(String text) {
    List<Setting> settings = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new java.io.StringReader(text))) {
      String line;
      int number = 0;
      while ((line = r.readLine()) != null) {
        number++;
        int hash = line.indexOf('#');
        String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
        if (content.isEmpty()) {
          continue;
        }
        String[] fields = content.split("\\s+");
        if (fields.length != 2) {
          throw new IllegalArgumentException(RESOURCE + " line " + number + ": expected '<kinds> <setting>', got '"
              + content + "'");
        }
        Set<Kind> kinds = java.util.EnumSet.noneOf(Kind.class);
        for (String k : fields[0].split(",")) {
          Kind kind = Kind.ofSubcommand(k);
          if (kind == null) {
            throw new IllegalArgumentException(RESOURCE + " line " + number + ": '" + k
                + "' is not server or gateway");
          }
          kinds.add(kind);
        }
        String value = fields[1];
        if (!value.startsWith("-") && !isEnv(value)) {
          throw new IllegalArgumentException(RESOURCE + " line " + number + ": '" + value
              + "' is neither a JVM option (-...) nor NAME=value");
        }
        settings.add(new Setting(kinds, value));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringReader does not fail
    }
    return new JvmDefaults(List.copyOf(settings));
  }

  private static boolean isEnv(String value) {
    int eq = value.indexOf('=');
    return eq > 0 && ENV_NAME.matcher(value.substring(0, eq)).matches();
  }

  /** The JVM options of {@code kind}, in the file's order. */
  public List<String> jvmOptions(Kind kind) {
    return settings.stream().filter(s -> s.kinds().contains(kind) && s.value().startsWith("-"))
        .map(Setting::value).toList();
  }

  /** The environment variables of {@code kind}. */
  public Map<String, String> environment(Kind kind) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Setting s : settings) {
      if (s.kinds().contains(kind) && !s.value().startsWith("-")) {
        int eq = s.value().indexOf('=');
        env.put(s.value().substring(0, eq), s.value().substring(eq + 1));
      }
    }
    return env;
  }

  /**
   * Gives a process about to start as {@code kind} the file's environment; a variable already in
   * its environment (the caller's) wins, as in bin/meshfed.
   */
  public void applyEnvironment(Kind kind, Map<String, String> processEnvironment) {
    environment(kind).forEach(processEnvironment::putIfAbsent);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Kind k : Kind.values()) {
      b.append(k.name().toLowerCase(Locale.ROOT)).append(": ").append(environment(k)).append(' ')
          .append(jvmOptions(k)).append('\n');
    }
    return b.toString();
  }
}
