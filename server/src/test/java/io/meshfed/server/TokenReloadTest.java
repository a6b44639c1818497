package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token files are read again by a reload: a token replaced in {@code acl.tokens-file} works at once
 * and the old one stops, and a file that no longer parses is refused with one line while the
 * tokens in force stay.
 */
class TokenReloadTest {
  @TempDir Path dir;

  @Test
  void aReloadPutsTheTokensFileInForceAndABadOneChangesNothing() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens.hocon"), tokensFile("reader-one"));
    MeshfedServer server = TestServers.start(dir.resolve("data"), Map.of("acl.enabled", true,
        "acl.tokens", List.of(Map.of("secret", "break-glass", "policy", "operator:write")),
        "acl.tokens-file", tokens.toString()));
    try {
      assertThat(status(server, "reader-one")).isEqualTo(200);
      assertThat(status(server, "reader-two")).isEqualTo(403);

      Files.writeString(tokens, tokensFile("reader-two"));
      HttpResponse<String> reloaded = TestServers.put(server, "/v1/agent/reload", "", "break-glass");
      assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
      assertThat(reloaded.body()).isEqualTo(
          "{\"Reloaded\":[\"acl: 2 tokens from the configuration, replication token not set\"]}");
      assertThat(status(server, "reader-two")).isEqualTo(200);
      assertThat(status(server, "reader-one")).isEqualTo(403);

      Files.writeString(tokens, "tokens = [ { secret = ");
      HttpResponse<String> refused = TestServers.put(server, "/v1/agent/reload", "", "break-glass");
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body()).startsWith("reload refused, nothing changed: meshfed.acl.tokens-file: " + tokens
          + " is not HOCON or JSON: ").doesNotContain("\n");
      assertThat(status(server, "reader-two")).isEqualTo(200);
      // Reloading needs operator:write.
      assertThat(TestServers.put(server, "/v1/agent/reload", "", "reader-two").statusCode()).isEqualTo(403);
    } finally {
      TestServers.stop(server);
    }
  }

  private static String tokensFile(String secret) {
    return "tokens = [ { secret = " + secret + ", policy = \"operator:read\" } ]\n";
  }

  private static int status(MeshfedServer server, String token) throws Exception {
    return TestServers.get(server, "/v1/internal/federation-states", token).statusCode();
  }
}
