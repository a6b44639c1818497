package io.meshfed.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.meshfed.transport.fuzz.Fuzz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated server configurations, as an operator's typo or a bad template would make them: random
 * keys, wrong types, out-of-range numbers, garbage text. Loading either gives a configuration or one
 * {@link ConfigException} line that names the setting (or the file, for a syntax error).
 */
class ServerConfigFuzzTest {
  /** Every setting the server has, from its defaults, with its default written as HOCON. */
  private static final List<Map.Entry<String, String>> SETTINGS = ConfigFactory.parseResources("meshfed-defaults.conf")
      .getConfig("meshfed").entrySet().stream()
      .map(e -> Map.entry(e.getKey(), e.getValue().render(com.typesafe.config.ConfigRenderOptions.concise())))
      .sorted(Map.Entry.comparingByKey()).toList();
  private static final List<String> HOSTILE_VALUES = List.of("{}", "[]", "[1, 2]", "[\"a:1\"]", "\"\"", "true",
      "null", "-1", "0", "65536", "2147483648", "-2147483649", "9223372036854775808", "1e400", "0.5", "-5s", "0s",
      "1ns", "100000000d", "999999999999999999999s", "-1MiB", "1PiB", "99999999999999999999B", "\"\\u0000\"",
      "\"a\\nb\"", "\"dc1\"", "DC1", "\"../..\"", "\"/nonexistent\"", "\"/etc/hostname\"", "\"10.0.0.1:99999\"",
      "{ a = 1 }", "[{ secret = s }]", "[{ secret = s, policy = \"operator:read\" }]", "deny", "allow", "maybe",
      "postgres", "h2", "\"${?HOME}\"");
  private static final String DATA_DIR = "@data-dir@";
  private static final String PUNCTUATION = "{}[]=:,\"$\n#.\\ +?";

  @TempDir Path dir;

  @Test
  void mutatedConfigsLoadOrFailWithOneLineNamingTheSetting() throws Exception {
    Path file = dir.resolve("server.conf");
    Fuzz.run("server config", c -> {
      String hocon = c.input(config(c.random));
      Files.writeString(file, hocon, StandardCharsets.UTF_8);
      try {
        assertThat(ServerConfigLoader.load(Optional.of(file), false, Map.of())).isNotNull();
      } catch (ConfigException refused) {
        // The setting by its path, or quoted as in Consul's wording; a substitution or `+=` that cannot be
        // resolved by Typesafe Config's file and line.
        assertThat(refused.getMessage()).doesNotContain("\n")
            .containsPattern("meshfed\\.\\S|configuration key '|'[a-z][a-z.-]*[ ']|--config-file|^configuration: .*: \\d+: ");
      }
    });
  }

  /** What the fuzzer found: a Typesafe exception escaped, and user text broke the one line. */
  @Test
  void regressions() throws Exception {
    Path file = dir.resolve("found.conf");
    String base = "meshfed { datacenter = dc1, primary-datacenter = dc1, data-dir = /tmp/x, ";
    Map<String, String> found = Map.of(
        "ports.grpc-tls = null }", "meshfed.ports.grpc-tls: expected a whole number, not null",
        "acl.default-policy = \"a\\nb\" }", "meshfed.acl.default-policy: 'a\\nb' is not a policy; use deny or allow",
        "acl.replication-token-file = \"/a\\nb\" }", "meshfed.acl.replication-token-file: /a\\nb does not exist");
    for (Map.Entry<String, String> f : found.entrySet()) {
      Files.writeString(file, base + f.getKey());
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfigLoader.load(Optional.of(file), false,
          Map.of())).as(f.getKey()).isInstanceOf(ConfigException.class).hasMessageStartingWith(f.getValue());
    }
  }

  /**
   * Found under -Pfuzz-long: a line break inside a broken unicode escape. Typesafe Config quotes the
   * token, break and all, in its parse error, which split the one line.
   */
  @Test
  void aParseErrorQuotingALineBreakStaysOnOneLine() throws Exception {
    Path file = dir.resolve("broken.conf");
    Files.writeString(file, "meshfed { tls.verify-outgoing = \"\\u0\n000\" }");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfigLoader.load(Optional.of(file), false, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("--config-file " + file + ": ")
        .hasMessageNotContaining("\n");
  }

  private String config(SplittableRandom r) {
    // The temporary directory's name differs in length from run to run: put it in after the edits,
    // or a seed would not replay the same text.
    StringBuilder b = new StringBuilder("meshfed {\n  datacenter = dc1\n  primary-datacenter = dc1\n  data-dir = \"")
        .append(DATA_DIR).append("\"\n");
    for (int i = 1 + r.nextInt(4); i > 0; i--) {
      Map.Entry<String, String> setting = SETTINGS.get(r.nextInt(SETTINGS.size()));
      String key = switch (r.nextInt(8)) {
        case 0 -> "x" + r.nextInt(100);
        case 1 -> setting.getKey() + ".x";
        default -> setting.getKey();
      };
      String value = r.nextInt(5) == 0 ? setting.getValue() : HOSTILE_VALUES.get(r.nextInt(HOSTILE_VALUES.size()));
      b.append("  ").append(key).append(" = ").append(value).append('\n');
    }
    b.append("}\n");
    if (r.nextInt(4) == 0) {
      // Garbage text: HOCON punctuation in odd places, or characters cut out.
      for (int i = 1 + r.nextInt(3); i > 0; i--) {
        int at = r.nextInt(b.length() + 1);
        if (r.nextBoolean() && at < b.length()) {
          b.deleteCharAt(at);
        } else {
          b.insert(at, PUNCTUATION.charAt(r.nextInt(PUNCTUATION.length())));
        }
      }
    }
    return b.toString().replace(DATA_DIR, dir.resolve("data").toString());
  }

}
