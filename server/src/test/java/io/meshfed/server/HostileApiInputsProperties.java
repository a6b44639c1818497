package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile requests, generated, against a real server with ACLs on: random methods, paths, query
 * parameters, tokens and bodies (mutated valid bodies, wrong types, huge and control-character
 * strings, raw bytes) on the HTTP port, and random messages for every gRPC method. Whatever comes
 * in, the server answers with a documented status and one bounded line of text, stores nothing,
 * and goes on serving. The seed is fixed; jqwik prints it and the failing sample on a failure.
 */
class HostileApiInputsProperties {
  private static final String READER = "reader-secret";
  private static final Set<Integer> HTTP_STATUSES = Set.of(200, 400, 403, 404, 405, 408, 413, 414, 431, 501, 503, 505);
  private static final List<String> GRPC_METHODS = List.of(
      "/meshfed.v1.FederationStateService/Apply", "/meshfed.v1.FederationStateService/Get",
      "/meshfed.v1.FederationStateService/List", "/meshfed.v1.FederationStateService/ListMeshGateways",
      "/meshfed.v1.CatalogService/Register", "/meshfed.v1.CatalogService/Deregister",
      "/meshfed.v1.CatalogService/UpdateCheck", "/meshfed.v1.CatalogService/ListServices",
      "/meshfed.v1.OperatorService/Leader", "/meshfed.v1.OperatorService/Members",
      "/meshfed.v1.OperatorService/Routines", "/meshfed.v1.OperatorService/FederationStatus",
      "/meshfed.v1.NoSuchService/Nothing");

  private static Path dir;
  private static MeshfedServer server;
  private static long indexBefore;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("meshfed-hostile");
    server = TestServers.start(dir.resolve("data"), Map.of(
        "acl.enabled", true,
        "acl.tokens", List.of(Map.of("secret", READER, "policy", "operator:read"),
            Map.of("secret", "writer-secret-never-sent", "policy", "operator:write")),
        "limits.http.request-body-timeout", "2s",
        "limits.grpc.request-message-timeout", "2s"));
    indexBefore = storeIndex();
  }

  @AfterContainer
  static void stop() throws Exception {
    assertThat(storeIndex()).as("nothing was stored").isEqualTo(indexBefore);
    TestServers.stop(server);
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Property(tries = 1500, seed = "20261202", shrinking = ShrinkingMode.OFF)
  void everyHttpRequestGetsADocumentedOneLineAnswer(@ForAll("httpRequests") byte[] request) throws Exception {
    String response = exchange(request);
    assertThat(response).as("an answer, then the server's close or a full response").isNotEmpty();
    int status = Integer.parseInt(response.substring(9, 12));
    assertThat(HTTP_STATUSES).contains(status);
    String body = response.substring(response.indexOf("\r\n\r\n") + 4);
    if (status >= 400) {
      assertThat(body).doesNotContainPattern("\\p{Cntrl}").doesNotContain("java.", "Exception", "`")
          .hasSizeLessThanOrEqualTo(600);
    }
    assertThat(TestServers.get(server, "/v1/status/leader", READER).statusCode()).isEqualTo(200);
  }

  @Property(tries = 600, seed = "20261202", shrinking = ShrinkingMode.OFF)
  void everyGrpcMessageGetsAStatusWithOneLine(@ForAll("grpcMethods") String method,
      @ForAll("tokens") String token, @ForAll("messages") byte[] message) throws Exception {
    try (RawHttp2 h2 = RawHttp2.connect(RawConnections.loopback(1), server.grpcPort())) {
      h2.preface();
      h2.grpcHeaders(1, method, token.isEmpty() ? null : token);
      h2.data(1, message, true);
      Map<String, String> trailers = h2.awaitEndOfStream(1, Duration.ofSeconds(10));
      assertThat(trailers).as("the call ends with a status").isNotNull().containsKey("grpc-status");
      int status = Integer.parseInt(trailers.get("grpc-status"));
      // INTERNAL (13) would be a bug on our side, UNKNOWN (2) an exception nobody mapped.
      assertThat(status).isNotIn(2, 13);
      assertThat(RawHttp2.grpcMessage(trailers)).doesNotContainPattern("\\p{Cntrl}")
          .doesNotContain("java.", "Exception").hasSizeLessThanOrEqualTo(600);
    }
  }

  @Provide
  Arbitrary<byte[]> httpRequests() {
    Arbitrary<String> method = Arbitraries.of("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "get", "PUT ",
        "G\u0000T");
    Arbitrary<String> path = Combinators.combine(
        Arbitraries.of("/v1/internal/federation-state", "/v1/internal/federation-states",
            "/v1/internal/federation-states/mesh-gateways", "/v1/catalog/register", "/v1/catalog/deregister",
            "/v1/catalog/check-update", "/v1/catalog/service", "/v1/health/service", "/v1/agent/members",
            "/v1/agent/metrics", "/v1/status/leader", "/v1/operator/routines", "/v1/operator/federation",
            "/v1/agent/force-leave", "/v1/internal/federation-states/decommissioned", "/",
            "/v2", "//"),
        hostileText().map(HostileApiInputsProperties::pathSegment).injectNull(0.5))
        .as((prefix, segment) -> segment == null ? prefix : prefix + "/" + segment);
    Arbitrary<String> query = Combinators.combine(
        Arbitraries.of("index", "wait", "dc", "passing", "wan", "kind", "prune", "decommission", "x"),
        hostileText().map(HostileApiInputsProperties::percentEncoded))
        .as((k, v) -> k + "=" + v).list().ofMaxSize(4).map(l -> l.isEmpty() ? "" : "?" + String.join("&", l));
    Arbitrary<String> token = Arbitraries.of("", "X-Meshfed-Token: " + READER + "\r\n",
        "X-Meshfed-Token: guess\r\n", "Authorization: Bearer " + READER + "\r\n", "Authorization: Basic abc\r\n");
    Arbitrary<byte[]> body = Arbitraries.oneOf(jsonBodies().map(s -> s.getBytes(StandardCharsets.UTF_8)),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(2_000));
    return Combinators.combine(method, path, query, token, body).as((m, p, q, t, b) -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes((m + " " + p + q + " HTTP/1.1\r\nHost: x\r\n" + t + "Connection: close\r\n"
          + "Content-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      out.writeBytes(b);
      return out.toByteArray();
    });
  }

  /** Valid-looking bodies with values replaced: wrong types, huge numbers, hostile strings, nesting. */
  private Arbitrary<String> jsonBodies() {
    Arbitrary<String> value = Arbitraries.oneOf(
        hostileText().map(HostileApiInputsProperties::jsonString),
        Arbitraries.of("-5", "70000", "18446744073709551615", "-9223372036854775808", "1e309", "null", "true",
            "[]", "{}", "[" + "[".repeat(500) + "]".repeat(500) + "]", "\"2026-13-45T99:99:99Z\""));
    return Combinators.combine(Arbitraries.of(
        "{\"Op\":\"upsert\",\"State\":{\"Datacenter\":%s,\"MeshGateways\":[{\"Node\":{\"Node\":\"gw\"}}]}}",
        "{\"Op\":%s,\"State\":{\"Datacenter\":\"dc2\"}}",
        "{\"Op\":\"upsert\",\"State\":{\"Datacenter\":\"dc2\",\"UpdatedAt\":%s,\"PrimaryModifyIndex\":%s}}",
        "{\"Node\":%s,\"Address\":\"10.0.0.1\",\"Service\":{\"Service\":\"s\",\"Port\":%s}}",
        "{\"Node\":\"n\",\"Address\":%s,\"Service\":{\"Service\":\"s\",\"Tags\":[%s]}}",
        "{\"Node\":\"n\",\"CheckID\":%s,\"Status\":%s,\"Output\":%s}",
        "{\"Node\":%s"), value, value, value)
        .as((template, a, b, c) -> template.replaceFirst("%s", quoteReplacement(a))
            .replaceFirst("%s", quoteReplacement(b)).replaceFirst("%s", quoteReplacement(c)));
  }

  @Provide
  Arbitrary<String> grpcMethods() {
    return Arbitraries.of(GRPC_METHODS);
  }

  @Provide
  Arbitrary<String> tokens() {
    return Arbitraries.of("", READER, "guess");
  }

  /** gRPC message frames: random protobuf-ish bytes, with honest, lying or missing prefixes. */
  @Provide
  Arbitrary<byte[]> messages() {
    Arbitrary<byte[]> payload = Arbitraries.bytes().array(byte[].class).ofMaxSize(3_000);
    return Combinators.combine(payload, Arbitraries.of("honest", "lying", "compressed", "none"))
        .as((bytes, prefix) -> switch (prefix) {
          case "honest" -> concat(RawHttp2.messagePrefix(bytes.length), bytes);
          case "lying" -> concat(RawHttp2.messagePrefix(bytes.length + 17), bytes);
          case "compressed" -> {
            byte[] framed = concat(RawHttp2.messagePrefix(bytes.length), bytes);
            framed[0] = 1;
            yield framed;
          }
          default -> bytes;
        });
  }

  private static Arbitrary<String> hostileText() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1).ofMaxLength(5),
        Arbitraries.strings().alpha().ofMinLength(1_000).ofMaxLength(5_000),
        Arbitraries.of("dc1", "..%2F..", "../../etc", "dc2\nevil", "DC.1", "%", "\u2028", "\uD800"));
  }

  private static String exchange(byte[] request) throws IOException {
    try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), server.httpPort())) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static long storeIndex() throws Exception {
    return TestServers.index(TestServers.get(server, "/v1/internal/federation-states", READER));
  }

  private static String pathSegment(String text) {
    return percentEncoded(text);
  }

  private static String percentEncoded(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      boolean plain = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.';
      out.append(plain ? String.valueOf((char) b) : String.format("%%%02X", b & 0xff));
    }
    return out.toString();
  }

  private static String jsonString(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static String quoteReplacement(String s) {
    return java.util.regex.Matcher.quoteReplacement(s);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
