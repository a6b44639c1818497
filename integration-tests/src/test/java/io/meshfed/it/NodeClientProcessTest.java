package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.protocol.model.Json;
import io.meshfed.transport.tls.CertificateTool;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client nobody here wrote: clients/node/list-federation-states.js, built on the npm
 * packages {@code @grpc/grpc-js} and {@code @grpc/proto-loader} and our .proto files only, lists
 * the federation states of a real dev server. Runs when {@code node} and {@code npm} are on the
 * PATH (bin/test installs them as root); skipped otherwise, except with CI=true, where a missing
 * Node.js fails the test.
 */
class NodeClientProcessTest {
  private static final Path CLIENT = Path.of(System.getProperty("user.dir")).resolve("../clients/node").normalize();
  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration NPM_CI = Duration.ofMinutes(5);
  private static final Duration SCRIPT = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @BeforeAll
  static void nodeAndDependencies(@TempDir Path logs) throws Exception {
    List<String> missing = new ArrayList<>();
    for (String tool : List.of("node", "npm")) {
      if (!MeshfedProcess.onPath(tool)) {
        missing.add(tool);
      }
    }
    Prerequisites.require(missing.isEmpty() ? Optional.empty() : Optional.of(String.join(" and ", missing)
        + " not on the PATH (bin/test installs Debian's nodejs and npm when run as root)"), "the Node.js client test");
    if (!dependenciesInstalled()) {
      Result npm = run(NPM_CI, logs, "npm", "ci", "--no-audit", "--no-fund");
      assertThat(npm.exitCode()).as("npm ci in %s failed:%n%s%n%s", CLIENT, npm.out(), npm.err()).isZero();
    }
  }

  /** node_modules as npm ci left it, for the current package-lock.json. */
  private static boolean dependenciesInstalled() throws Exception {
    Path hidden = CLIENT.resolve("node_modules/.package-lock.json");
    return Files.isRegularFile(hidden)
        && Files.isDirectory(CLIENT.resolve("node_modules/@grpc/grpc-js"))
        && Files.isDirectory(CLIENT.resolve("node_modules/@grpc/proto-loader"))
        && Files.getLastModifiedTime(hidden).compareTo(Files.getLastModifiedTime(CLIENT.resolve("package-lock.json"))) >= 0;
  }

  @Test
  void listsTheFederationStatesOfARealServer() throws Exception {
    int http = MeshfedProcess.freePort();
    int grpc = MeshfedProcess.freePort();
    int grpcTls = MeshfedProcess.freePort();
    try (MeshfedProcess server = MeshfedProcess.start("server", "--dev", "--node", "n1",
        "--data-dir", dir.resolve("data").toString(), "--config-file", tlsConfig().toString(),
        "--http-port", Integer.toString(http), "--grpc-port", Integer.toString(grpc),
        "--grpc-tls-port", Integer.toString(grpcTls))) {
      server.awaitReady(READY);
      String body = "{\"Op\":\"upsert\",\"State\":" + ServerProcessTest.STATE + "}";
      // A write is refused (503) until the feature barrier opens, shortly after start.
      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(put(http, "/v1/internal/federation-state", body).statusCode()).isEqualTo(200));

      Result json = run(SCRIPT, dir, "node", script(), "127.0.0.1:" + grpc, "--json");
      assertThat(json.exitCode()).as("exit code; stderr: %s", json.err()).isZero();
      JsonNode states = Json.mapper().readTree(json.out()).get("states");
      JsonNode dc2 = StreamSupport.stream(states.spliterator(), false)
          .filter(s -> s.get("datacenter").asText().equals("dc2"))
          .findFirst().orElseThrow(() -> new AssertionError("no dc2 in " + json.out()));
      assertThat(dc2.at("/mesh_gateways/0/node/node").asText()).isEqualTo("gw1.dc2.example.com");
      assertThat(dc2.at("/mesh_gateways/0/service/kind").asText()).isEqualTo("mesh-gateway");
      assertThat(Long.parseLong(dc2.get("modify_index").asText())).isPositive();

      Result table = run(SCRIPT, dir, "node", script(), "127.0.0.1:" + grpc, "--token", "anything");
      assertThat(table.exitCode()).as("exit code; stderr: %s", table.err()).isZero();
      assertThat(table.stdout().get(0)).startsWith("DC").contains("GATEWAYS", "NODES", "MODIFY INDEX");
      assertThat(table.stdout()).anySatisfy(line ->
          assertThat(line).matches("dc2 +1 +gw1\\.dc2\\.example\\.com +" + dc2.get("modify_index").asText()));

      // gRPC over TLS, the server's certificate verified against the CA; the server asks for no
      // client certificate (tls.grpc.verify-incoming is off), and one given is accepted.
      Result overTls = run(SCRIPT, dir, "node", script(), "127.0.0.1:" + grpcTls, "--ca-file", pem("ca"));
      assertThat(overTls.exitCode()).as("exit code; stderr: %s", overTls.err()).isZero();
      assertThat(overTls.stdout()).anySatisfy(line -> assertThat(line).startsWith("dc2 "));
      Result withCertificate = run(SCRIPT, dir, "node", script(), "127.0.0.1:" + grpcTls, "--ca-file", pem("ca"),
          "--client-cert", pem("n1"), "--client-key", pem("n1-key"));
      assertThat(withCertificate.exitCode()).as("exit code; stderr: %s", withCertificate.err()).isZero();
      // Plain text to the TLS port: one line, as for any failed call.
      Result plain = run(SCRIPT, dir, "node", script(), "127.0.0.1:" + grpcTls);
      assertThat(plain.exitCode()).as("exit code; stdout: %s", plain.out()).isEqualTo(1);
      assertThat(plain.stderr()).singleElement().asString().startsWith("error: UNAVAILABLE: ");

      server.terminate(Duration.ofSeconds(30));
    }
  }

  /** The server's certificate, from a CA of this test, for its gRPC TLS port. */
  private Path tlsConfig() throws Exception {
    CertificateTool.Issued ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, "dc1", "n1", "meshfed", Duration.ofDays(30));
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    Files.writeString(dir.resolve("n1.pem"), cert.certificatePem());
    Files.writeString(dir.resolve("n1-key.pem"), cert.privateKeyPem());
    return Files.writeString(dir.resolve("tls.conf"), "meshfed.tls { ca-file = \"%s\", cert-file = \"%s\", "
        .formatted(pem("ca"), pem("n1")) + "key-file = \"" + pem("n1-key") + "\" }\n");
  }

  private String pem(String name) {
    return dir.resolve(name + ".pem").toString();
  }

  @Test
  void aClosedPortIsOneUnavailableLineAndExitCodeOne() throws Exception {
    int closed = MeshfedProcess.freePort();
    Result r = run(SCRIPT, dir, "node", script(), "127.0.0.1:" + closed, "--json");
    assertThat(r.exitCode()).as("exit code; stdout: %s stderr: %s", r.out(), r.err()).isEqualTo(1);
    assertThat(r.stderr()).hasSize(1);
    assertThat(r.stderr().get(0)).startsWith("error: UNAVAILABLE: ");
    assertThat(r.stdout()).isEmpty();
  }

  private static String script() {
    return CLIENT.resolve("list-federation-states.js").toString();
  }

  private static HttpResponse<String> put(int port, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }



  record Result(int exitCode, List<String> stdout, List<String> stderr) {
    String out() {
      return String.join("\n", stdout);
    }

    String err() {
      return String.join("\n", stderr);
    }
  }

  /** Runs a command in clients/node to completion, its output in files under {@code logs}. */
  private static Result run(Duration timeout, Path logs, String... cmd) throws Exception {
    Path out = Files.createTempFile(logs, "out", ".txt");
    Path err = Files.createTempFile(logs, "err", ".txt");
    Process p = new ProcessBuilder(cmd).directory(CLIENT.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout
            + "; stdout: " + Files.readString(out) + " stderr: " + Files.readString(err));
      }
    } finally {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8),
        Files.readAllLines(err, StandardCharsets.UTF_8));
  }
}
