package io.meshfed.server;

import static io.meshfed.server.TestServers.delete;
import static io.meshfed.server.TestServers.get;
import static io.meshfed.server.TestServers.json;
import static io.meshfed.server.TestServers.put;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfed.protocol.v1.AclBootstrapRequest;
import io.meshfed.protocol.v1.AclPolicy;
import io.meshfed.protocol.v1.AclServiceClient;
import io.meshfed.protocol.v1.AclToken;
import io.meshfed.protocol.v1.ListAclRequest;
import io.meshfed.protocol.v1.ListAclResponse;
import io.meshfed.protocol.v1.WriteAclPolicyRequest;
import io.meshfed.protocol.v1.WriteAclTokenRequest;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACL API on a real server with ACLs on and default deny: the bootstrap happens once, policies
 * and tokens are made, changed and deleted at run time, a token works as soon as its create answers
 * and stops as soon as its delete does, secrets are shown once and never listed, and the table
 * survives a restart. A token from the configuration (break-glass) works beside them.
 */
class AclApiTest {
  private static final String BREAK_GLASS = "break-glass-secret";
  private static final String GATEWAY = """
      {"Node":"%s","Address":"10.0.0.9","Service":{"ID":"mesh-gateway","Service":"mesh-gateway","Port":8443}}""";

  @TempDir Path dir;

  @Test
  void tokensAndPoliciesAreManagedAtRunTime() throws Exception {
    Map<String, Object> config = Map.of("acl.enabled", true,
        "acl.tokens", List.of(Map.of("secret", BREAK_GLASS, "policy", "operator:read")));
    MeshfedServer server = TestServers.start(dir.resolve("data"), config);
    String management;
    String gatewayAccessor;
    try {
      assertThat(get(server, "/v1/acl/tokens", BREAK_GLASS).body()).isEqualTo("Permission denied: this token lacks acl:read");
      HttpResponse<String> boot = put(server, "/v1/acl/bootstrap", "", null);
      assertThat(boot.statusCode()).as(boot.body()).isEqualTo(200);
      JsonNode bootToken = json(boot);
      management = bootToken.get("SecretID").asText();
      assertThat(bootToken.get("Policies").get(0).get("Name").asText()).isEqualTo("global-management");
      HttpResponse<String> again = put(server, "/v1/acl/bootstrap", "", null);
      assertThat(again.statusCode()).isEqualTo(400);
      assertThat(again.body()).matches("ACL bootstrap no longer allowed \\(it was done at index \\d+\\); "
          + "create tokens with a management token instead");

      // A policy whose rules do not parse is refused with where they are wrong, and nothing is stored.
      HttpResponse<String> bad = put(server, "/v1/acl/policy",
          "{\"Name\":\"bad\",\"Rules\":\"{\\\"nodes\\\":{}}\"}", management);
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).isEqualTo("policy \"bad\": rules: unknown resource 'nodes'; use operator, acl, node, "
          + "node_prefix, service or service_prefix");
      assertThat(put(server, "/v1/acl/policy", "{\"Name\":\"global-management\",\"Rules\":\"{}\"}", management)
          .body()).isEqualTo("policy \"global-management\" is built in and cannot be changed");
      assertThat(json(get(server, "/v1/acl/policies", management))).isEmpty();

      String rules = "{\\\"node_prefix\\\":{\\\"gw-\\\":{\\\"policy\\\":\\\"write\\\"}},"
          + "\\\"service\\\":{\\\"mesh-gateway\\\":{\\\"policy\\\":\\\"write\\\"}}}";
      HttpResponse<String> policy = put(server, "/v1/acl/policy",
          "{\"Name\":\"gateways\",\"Description\":\"mesh gateways\",\"Rules\":\"" + rules + "\"}", management);
      assertThat(policy.statusCode()).as(policy.body()).isEqualTo(200);
      assertThat(json(policy).get("CreateIndex").asLong()).isPositive();

      assertThat(put(server, "/v1/acl/token", "{\"Policies\":[{\"Name\":\"nope\"}]}", management).body())
          .isEqualTo("ACL policy \"nope\" not found");
      HttpResponse<String> created = put(server, "/v1/acl/token",
          "{\"Description\":\"gateway dc1\",\"Policies\":[{\"Name\":\"gateways\"}]}", management);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      String gatewaySecret = json(created).get("SecretID").asText();
      gatewayAccessor = json(created).get("AccessorID").asText();

      // Works at once, for what its policy grants and nothing else.
      assertThat(put(server, "/v1/catalog/register", GATEWAY.formatted("gw-1"), gatewaySecret).statusCode())
          .isEqualTo(200);
      assertThat(put(server, "/v1/catalog/register", GATEWAY.formatted("db-1"), gatewaySecret).body())
          .isEqualTo("Permission denied: this token lacks node:write on \"db-1\"");
      assertThat(get(server, "/v1/internal/federation-states", gatewaySecret).statusCode()).isEqualTo(403);
      assertThat(put(server, "/v1/acl/token", "{\"Policies\":[{\"Name\":\"gateways\"}]}", gatewaySecret).body())
          .isEqualTo("Permission denied: this token lacks acl:write");

      // A snapshot holds the whole ACL table, hashes too: it needs acl:write (Consul: a management token).
      assertThat(get(server, "/v1/snapshot", BREAK_GLASS).body()).isEqualTo("Permission denied: this token lacks acl:write");
      assertThat(get(server, "/v1/snapshot", management).statusCode()).isEqualTo(200);

      // Secrets are shown once: neither lists nor reads carry them, nor their hashes.
      HttpResponse<String> tokens = get(server, "/v1/acl/tokens", management);
      assertThat(json(tokens)).hasSize(2);
      assertThat(tokens.body()).doesNotContain(gatewaySecret, management, "SecretID", "Hash");
      HttpResponse<String> read = get(server, "/v1/acl/token/" + gatewayAccessor, management);
      assertThat(json(read).get("Description").asText()).isEqualTo("gateway dc1");
      assertThat(read.body()).doesNotContain(gatewaySecret, "SecretID");

      // An update changes what the token grants, at once; its secret stays.
      HttpResponse<String> updated = put(server, "/v1/acl/token/" + gatewayAccessor,
          "{\"Description\":\"gateway dc1\",\"Policies\":[{\"Name\":\"gateways\"},{\"Name\":\"operator:read\"}]}",
          management);
      assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
      assertThat(updated.body()).doesNotContain("SecretID");
      assertThat(get(server, "/v1/internal/federation-states", gatewaySecret).statusCode()).isEqualTo(200);
      assertThat(put(server, "/v1/acl/token/" + gatewayAccessor, "{\"SecretID\":\"" + java.util.UUID.randomUUID()
          + "\"}", management).body()).isEqualTo("a token's secret cannot be changed; create a new token and delete this one");

      // A deleted policy grants nothing any more; a deleted token stops at once.
      assertThat(delete(server, "/v1/acl/policy/gateways", management).statusCode()).isEqualTo(200);
      assertThat(put(server, "/v1/catalog/register", GATEWAY.formatted("gw-2"), gatewaySecret).statusCode())
          .isEqualTo(403);
      assertThat(delete(server, "/v1/acl/token/" + bootToken.get("AccessorID").asText(), management).body())
          .isEqualTo("Deletion of the request's authorization token is not permitted");
      assertThat(delete(server, "/v1/acl/token/" + gatewayAccessor, management).statusCode()).isEqualTo(200);
      HttpResponse<String> gone = get(server, "/v1/internal/federation-states", gatewaySecret);
      assertThat(gone.statusCode()).isEqualTo(403);
      assertThat(gone.body()).isEqualTo("Permission denied: ACL not found");
      assertThat(get(server, "/v1/internal/federation-states", BREAK_GLASS).statusCode()).isEqualTo(200);
    } finally {
      TestServers.stop(server);
    }

    // The table is the store's: it survives a restart, and the bootstrap stays done.
    MeshfedServer restarted = TestServers.start(dir.resolve("data"), config);
    try {
      assertThat(org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> get(restarted, "/v1/acl/tokens", management), r -> r.statusCode() == 200).body())
          .doesNotContain(gatewayAccessor);
      assertThat(put(restarted, "/v1/acl/bootstrap", "", null).statusCode()).isEqualTo(400);
    } finally {
      TestServers.stop(restarted);
    }
  }

  /** The same API on gRPC: bootstrap, a policy and a token made, listed without secrets, and refusals. */
  @Test
  void theAclServiceOverGrpc() throws Exception {
    MeshfedServer server = TestServers.start(dir.resolve("grpc"), Map.of("acl.enabled", true,
        "acl.tokens", List.of(Map.of("secret", BREAK_GLASS, "policy", "operator:read"))));
    ActorSystem<Void> clients = ActorSystem.create(Behaviors.empty(), "acl-grpc-client");
    try {
      AclServiceClient client = AclServiceClient.create(GrpcClientSettings
          .connectToServiceAt("127.0.0.1", server.grpcPort(), clients).withTls(false), clients);
      AclToken boot = client.bootstrap(AclBootstrapRequest.getDefaultInstance()).toCompletableFuture()
          .get(20, TimeUnit.SECONDS);
      String management = boot.getSecretId();
      assertThat(boot.getPoliciesList()).containsExactly("global-management");
      assertThat(boot.getSecretHash()).as("never leaves the store's replication").isEmpty();

      assertThat(status(() -> client.writePolicy().addHeader("x-meshfed-token", management)
          .invoke(WriteAclPolicyRequest.newBuilder().setPolicy(AclPolicy.newBuilder().setName("p")
              .setRules("{\"operator\": \"maybe\"}")).build())))
          .isEqualTo(Status.INVALID_ARGUMENT.withDescription(
              "policy \"p\": rules: operator: policy 'maybe' is not deny, read or write").toString());
      AclPolicy policy = client.writePolicy().addHeader("x-meshfed-token", management)
          .invoke(WriteAclPolicyRequest.newBuilder().setPolicy(AclPolicy.newBuilder().setName("readers")
              .setRules("{\"operator\": \"read\"}")).build()).toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(policy.getCreateIndex()).isPositive();
      AclToken made = client.writeToken().addHeader("x-meshfed-token", management)
          .invoke(WriteAclTokenRequest.newBuilder().setToken(AclToken.newBuilder().addPolicies("readers")).build())
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(made.getSecretId()).isNotEmpty();
      assertThat(get(server, "/v1/internal/federation-states", made.getSecretId()).statusCode()).isEqualTo(200);

      ListAclResponse listed = client.list().addHeader("x-meshfed-token", management)
          .invoke(ListAclRequest.newBuilder().setWithSecretHashes(true).build()).toCompletableFuture()
          .get(20, TimeUnit.SECONDS);
      assertThat(listed.getTokensList()).extracting(AclToken::getAccessorId)
          .containsExactlyInAnyOrder(boot.getAccessorId(), made.getAccessorId());
      assertThat(listed.getTokensList()).allSatisfy(t -> {
        assertThat(t.getSecretId()).isEmpty();
        assertThat(t.getSecretHash()).isEmpty();
      });

      assertThat(status(() -> client.writeToken().addHeader("x-meshfed-token", BREAK_GLASS)
          .invoke(WriteAclTokenRequest.newBuilder().setToken(AclToken.newBuilder().addPolicies("readers")).build())))
          .isEqualTo(Status.PERMISSION_DENIED.withDescription("Permission denied").toString());
      assertThat(status(() -> client.list().addHeader("x-meshfed-token", BREAK_GLASS)
          .invoke(ListAclRequest.getDefaultInstance())))
          .isEqualTo(Status.PERMISSION_DENIED.withDescription("Permission denied: this token lacks acl:read").toString());
      client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      clients.terminate();
      clients.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      TestServers.stop(server);
    }
  }

  /** The status a failed call ended with, as text. */
  private static String status(java.util.function.Supplier<java.util.concurrent.CompletionStage<?>> call) {
    try {
      call.get().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        return s.getStatus().toString();
      }
      throw new AssertionError("failed otherwise", e);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the call succeeded");
  }
}
