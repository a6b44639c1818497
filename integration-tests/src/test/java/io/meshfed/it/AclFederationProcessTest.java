package io.meshfed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.it.Federation.Dc;
import io.meshfed.it.Federation.Server;
import io.meshfed.protocol.model.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A federation with ACLs on and default deny, as real processes, bootstrapped the way an operator
 * would (docs/operations.md, "ACLs in a federation"): nothing but the replication token's secret is
 * configured. The primary is bootstrapped with the CLI; a replication token (with a secret chosen
 * ahead) and a token per gateway are made there; the secondary and its gateway start with them. The
 * secondary's gateway registers with a token made in the primary, federation states flow both ways,
 * a token made in the primary works in the secondary within 5 s, a revoked one stops in both, the
 * secondary's gateway takes a new token on SIGHUP (and keeps working once its old one is revoked),
 * and a wrong replication token is a clear reason in {@code meshfed operator routines} and one log
 * line.
 */
class AclFederationProcessTest {
  private static final Duration CLI = Duration.ofSeconds(60);
  private static final Duration PROPAGATION = Duration.ofSeconds(5);
  private static final String GATEWAY_RULES = "{\"node_prefix\":{\"gw\":{\"policy\":\"write\"},\"\":{\"policy\":\"read\"}},"
      + "\"service\":{\"mesh-gateway\":{\"policy\":\"write\"},\"meshfed\":{\"policy\":\"read\"}}}";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void aFederationWithAclsOnIsBootstrappedFromThePrimary() throws Exception {
    try (Federation f = new Federation(dir, "dc1")) {
      Dc dc1 = f.dc("dc1", 1, 1);
      Dc dc2 = f.dc("dc2", 1, 1);
      f.startServers(dc1, "acl { enabled = true }");
      String primary = address(dc1.server());

      String management = json(cli("acl", "bootstrap", "--http-addr", primary, "--format", "json"))
          .get("SecretID").asText();
      Path managementFile = Files.writeString(dir.resolve("management.token"), management);
      f.token = management;
      String[] asManager = {"--http-addr", primary, "--token-file", managementFile.toString(), "--format", "json"};
      cli(concat(asManager, "acl", "policy", "create", "--name", "gateways", "--rules", GATEWAY_RULES));
      cli(concat(asManager, "acl", "policy", "create", "--name", "replication",
          "--rules", "{\"acl\":\"write\",\"operator\":\"write\"}"));
      String replication = UUID.randomUUID().toString();
      cli(concat(asManager, "acl", "token", "create", "--policy", "replication", "--secret", replication));
      Path replicationFile = Files.writeString(dir.resolve("replication.token"), replication);
      Path gw1Token = secretFile(cli(concat(asManager, "acl", "token", "create", "--policy", "gateways")), "gw1a");
      MeshfedProcess.Result gw2Created = cli(concat(asManager, "acl", "token", "create", "--policy", "gateways"));
      Path gw2Token = secretFile(gw2Created, "gw2a");

      dc1.startGateway("gw1a", dc1.gatewayPorts.get(0), "--token-file", gw1Token.toString());
      f.startServers(dc2, "acl { enabled = true, replication-token-file = \"" + replicationFile + "\" }");
      // Its token was made in the primary: the gateway registers once dc2's replica holds it.
      dc2.startGateway("gw2a", dc2.gatewayPorts.get(0), "--token-file", gw2Token.toString());
      f.awaitFederationStates(Map.of("dc1", Set.of("gw1a"), "dc2", Set.of("gw2a")));

      // Made in the primary: works in the secondary within seconds of the create's answer.
      JsonNode reader = json(cli(concat(asManager, "acl", "token", "create", "--policy", "operator:read")));
      long made = System.nanoTime();
      String readerSecret = reader.get("SecretID").asText();
      Awaitility.await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(25))
          .until(() -> status(dc2.server(), readerSecret) == 200);
      System.out.printf("ACLs: a token made in dc1 worked in dc2 after %d ms%n", (System.nanoTime() - made) / 1_000_000);

      // Revoked: stops in the primary at once and in the secondary within seconds.
      cli(concat(asManager, "acl", "token", "delete", reader.get("AccessorID").asText()));
      long revoked = System.nanoTime();
      assertThat(status(dc1.server(), readerSecret)).isEqualTo(403);
      Awaitility.await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(25))
          .until(() -> status(dc2.server(), readerSecret) == 403);
      System.out.printf("ACLs: a token deleted in dc1 stopped in dc2 after %d ms%n",
          (System.nanoTime() - revoked) / 1_000_000);

      // A gateway's token is replaced without a restart: the new one in its file, SIGHUP, the old one
      // revoked. Its registration, deregistered by hand, comes back, which only the new token allows.
      String newGw2 = json(cli(concat(asManager, "acl", "token", "create", "--policy", "gateways"))).get("SecretID")
          .asText();
      Files.writeString(gw2Token, newGw2);
      MeshfedProcess gw2 = dc2.gateways.get("gw2a");
      int logged = gw2.stderr.size();
      gw2.hangUp();
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(new ArrayList<>(gw2.stderr).stream().skip(logged))
              .anyMatch(l -> l.contains("SIGHUP: meshfed gateway reloaded: token: read from " + gw2Token)));
      cli(concat(asManager, "acl", "token", "delete", json(gw2Created).get("AccessorID").asText()));
      String oldGw2 = json(gw2Created).get("SecretID").asText();
      Awaitility.await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(25))
          .until(() -> status(dc2.server(), oldGw2) == 403);
      assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address(dc2.server())
          + "/v1/catalog/deregister")).header("X-Meshfed-Token", management)
          .PUT(HttpRequest.BodyPublishers.ofString("{\"Node\":\"gw2a\"}")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("true");
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(dc2.server().get("/v1/catalog/service/mesh-gateway")).contains("\"Node\":\"gw2a\""));

      // A wrong replication token: the reason shows in the routines report, and once in the log.
      Server secondary = dc2.server();
      secondary.process.close();
      Files.writeString(replicationFile, UUID.randomUUID().toString());
      f.restart(secondary);
      String[] atDc2 = {"--http-addr", address(secondary), "--token-file", managementFile.toString()};
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(cli(concat(atDc2, "operator", "routines")).out())
              .contains("acl-replication")
              .contains("failed to retrieve ACL policies and tokens: Permission denied: ACL not found")
              .contains("failed to retrieve federation states: Permission denied: ACL not found"));
      // Logged when the primary first refused the token (after "no path yet" while the restarted server
      // found its gateways), not once per round.
      Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(logLines(secondary, "AclReplication - replication error")).as("ACL replication's log lines")
              .filteredOn(l -> l.contains("Permission denied: ACL not found")).hasSize(1));
    }
  }

  private static MeshfedProcess.Result cli(String... args) throws Exception {
    MeshfedProcess.Result r = MeshfedProcess.run(CLI, args);
    assertThat(r.exitCode()).as("meshfed %s: %s %s", String.join(" ", args), r.stdout(), r.stderr()).isZero();
    return r;
  }

  private static String[] concat(String[] options, String... command) {
    String[] all = new String[command.length + options.length];
    System.arraycopy(command, 0, all, 0, command.length);
    System.arraycopy(options, 0, all, command.length, options.length);
    return all;
  }

  private static JsonNode json(MeshfedProcess.Result r) throws Exception {
    return Json.mapper().readTree(r.out());
  }

  private Path secretFile(MeshfedProcess.Result created, String name) throws Exception {
    return Files.writeString(dir.resolve(name + ".token"), json(created).get("SecretID").asText());
  }

  private static String address(Server s) {
    return s.host + ":" + s.http;
  }

  private static int status(Server s, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address(s) + "/v1/internal/federation-states"))
        .header("X-Meshfed-Token", token).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static List<String> logLines(Server s, String containing) {
    List<String> lines = new java.util.ArrayList<>();
    synchronized (s.process.stdout) {
      lines.addAll(s.process.stdout);
    }
    synchronized (s.process.stderr) {
      lines.addAll(s.process.stderr);
    }
    return lines.stream().filter(l -> l.contains(containing)).toList();
  }
}
