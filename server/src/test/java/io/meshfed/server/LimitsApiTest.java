package io.meshfed.server;

import static io.meshfed.server.TestServers.get;
import static io.meshfed.server.TestServers.index;
import static io.meshfed.server.TestServers.json;
import static io.meshfed.server.TestServers.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.FederationState;
import io.meshfed.protocol.v1.FederationStateOp;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListServicesRequest;
import io.meshfed.protocol.v1.Node;
import io.meshfed.protocol.v1.NodeService;
import io.meshfed.protocol.v1.QueryOptions;
import io.meshfed.protocol.v1.RegisterRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits through a real server, over HTTP and gRPC, with what the external review stored: each
 * is refused with one line that shows the input escaped, and nothing changes; a huge check output
 * is cut instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LimitsApiTest {
  private static final String REGISTER = "/v1/catalog/register";
  private static final String APPLY = "/v1/internal/federation-state";
  private static final String STATES = "/v1/internal/federation-states";
  private static final String CATALOG = "/v1/internal/catalog/services";

  @TempDir static Path dir;
  MeshfedServer server;
  GrpcClients clients;
  FederationStateServiceClient federation;
  CatalogServiceClient catalog;

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.of());
    clients = new GrpcClients(server, "limits-client");
    federation = clients.federation;
    catalog = clients.catalog;
  }

  @AfterAll
  void stop() throws Exception {
    clients.close();
    TestServers.stop(server);
  }

  @Test
  void hostileRegistrationsOverHttpChangeNothing() throws Exception {
    assertRefused(REGISTER, registration("\"Port\":70000"), CATALOG, "service port 70000: use 1-65535, or 0 for none");
    assertRefused(REGISTER, registration("\"Port\":-5"), CATALOG, "service port -5: use 1-65535, or 0 for none");
    assertRefused(REGISTER, registration("\"Tags\":[" + "\"t\",".repeat(9_999) + "\"t\"]"), CATALOG,
        "service tags: 10000 exceed the limit of 64");
    // Under the HTTP API's 1 MiB body limit, so that the registration itself is what is refused.
    assertRefused(REGISTER, registration("\"Tags\":[\"" + "x".repeat(900_000) + "\"]"), CATALOG,
        "service tag 1 \"" + "x".repeat(64) + "\"…(900000 chars): longer than 256 characters");
    assertRefused(REGISTER, "{\"Node\":\"web1\",\"Address\":\"10.0.0.1\\nevil\"}", CATALOG,
        "node address \"10.0.0.1\\nevil\": whitespace and control characters are not allowed");
    assertRefused(REGISTER, "{\"Node\":\"web\\u00071\",\"Address\":\"10.0.0.1\"}", CATALOG,
        "invalid node name 'web\\u00071': each dot-separated part must be 1 to 63 letters, digits, '-' or '_', "
            + "not starting or ending with '-'");
    assertRefused(REGISTER, "{\"Node\":\"web1\",\"Address\":\"10.0.0.1\",\"Datacenter\":\"..\\nevil\"}", CATALOG,
        "invalid request: invalid datacenter name '..\\nevil': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
  }

  @Test
  void aHugeCheckOutputIsCutLikeConsulsAgentDoes() throws Exception {
    // As much as the HTTP API's 1 MiB body limit lets through; gRPC's 1 MiB message limit is the same.
    String huge = "o".repeat(900 * 1024);
    HttpResponse<String> r = put(server, REGISTER, """
        {"Node":"web2","Address":"10.0.0.2","Service":{"Service":"web","Port":80},
         "Check":{"CheckID":"web2-alive","Status":"passing","ServiceID":"web","Output":"%s"}}
        """.formatted(huge), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String expected = "o".repeat(4096) + " ... (captured 4096 of 921600 bytes)";
    assertThat(json(get(server, "/v1/health/service/web", null)).at("/0/Checks/0/Output").asText()).isEqualTo(expected);

    HttpResponse<String> u = put(server, "/v1/catalog/check-update", "{\"Node\":\"web2\",\"CheckID\":\"web2-alive\","
        + "\"Status\":\"warning\",\"Output\":\"" + "p".repeat(5000) + "\"}", null);
    assertThat(u.statusCode()).as(u.body()).isEqualTo(200);
    assertThat(json(get(server, "/v1/health/service/web", null)).at("/0/Checks/0/Output").asText())
        .isEqualTo("p".repeat(4096) + " ... (captured 4096 of 5000 bytes)");
    assertRefused("/v1/catalog/check-update", "{\"Node\":\"web2\",\"CheckID\":\"web2-alive\",\"Status\":\"passing\","
        + "\"Output\":\"bell\\u0007\"}", CATALOG,
        "check \"web2-alive\" output: control characters other than \\n, \\r and \\t are not allowed");
  }

  @Test
  void hostileFederationStatesOverHttpChangeNothing() throws Exception {
    assertRefused(APPLY, state("dc5", "\"UpdatedAt\":\"1969-12-31T23:59:59Z\""), STATES,
        "invalid request: UpdatedAt 1969-12-31T23:59:59Z is outside 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z");
    assertRefused(APPLY, state("dc5", "\"PrimaryModifyIndex\":-1"), STATES,
        "invalid request: PrimaryModifyIndex must be within 0 and 9223372036854775807");
    String sixMegabytes = "{\"Op\":\"upsert\",\"State\":{\"Datacenter\":\"dc5\",\"MeshGateways\":["
        + ("{\"Node\":{\"Node\":\"gw\",\"Address\":\"10.0.0.1\"},\"Service\":{\"Service\":\"mesh-gateway\","
        + "\"Kind\":\"mesh-gateway\",\"Port\":443,\"Tags\":[" + ("\"" + "t".repeat(256) + "\",").repeat(63)
        + "\"t\"]}},").repeat(31)
        + "{\"Node\":{\"Node\":\"gw\",\"Address\":\"10.0.0.1\"},\"Service\":{\"Service\":\"mesh-gateway\","
        + "\"Kind\":\"mesh-gateway\",\"Port\":443}}]}}";
    HttpResponse<String> r = put(server, APPLY, sixMegabytes, null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).matches("invalid request: the federation state of 'dc5' is \\d+ bytes encoded, over the "
        + "limit of 65536");
    // A read's DC is looked up in any case, but must be a DC name; a read's target must be one exactly.
    assertThat(get(server, "/v1/internal/federation-state/DC1", null).statusCode()).isEqualTo(200);
    HttpResponse<String> badKey = get(server, "/v1/internal/federation-state/dc1%0A", null);
    assertThat(badKey.statusCode()).isEqualTo(400);
    assertThat(badKey.body()).isEqualTo("invalid request: invalid datacenter name 'dc1\\n': use 1 to 63 characters "
        + "of a-z, 0-9, '_' and '-' (no dots, no upper case)");
  }

  /** Without TLS this server cannot dial at all: a 400 rather than a 503 shows nothing was routed. */
  @Test
  void aHostileDcParameterIsRefusedBeforeAnythingIsDialled() throws Exception {
    for (String path : new String[] {STATES, STATES + "/mesh-gateways", "/v1/internal/federation-state/dc1",
        "/v1/health/service/web", CATALOG}) {
      HttpResponse<String> r = get(server, path + "?dc=..%2F..%0Aevil", null);
      assertThat(r.statusCode()).as(path).isEqualTo(400);
      assertThat(r.body()).as(path).isEqualTo("invalid request: invalid datacenter name '../..\\nevil': use 1 to 63 "
          + "characters of a-z, 0-9, '_' and '-' (no dots, no upper case)");
    }
    assertThat(get(server, STATES + "?dc=dc9", null).statusCode()).isEqualTo(503);
  }

  @Test
  void hostileFederationStatesOverGrpc() throws Exception {
    long before = await(federation.list(ListFederationStatesRequest.getDefaultInstance())).getMeta().getIndex();
    assertInvalid(() -> federation.apply(upsert(grpcState("dc6").setUpdatedAtMs(Long.MIN_VALUE))),
        "invalid request: UpdatedAt -292275055-05-16T16:47:04.192Z is outside 1970-01-01T00:00:00Z to "
            + "9999-12-31T23:59:59.999Z");
    // uint64 2^64-1 arrives as the long -1.
    assertInvalid(() -> federation.apply(upsert(grpcState("dc6").setPrimaryModifyIndex(-1))),
        "invalid request: PrimaryModifyIndex must be within 0 and 9223372036854775807");
    assertInvalid(() -> federation.list(ListFederationStatesRequest.newBuilder()
            .setOptions(QueryOptions.newBuilder().setDatacenter("..\nevil")).build()),
        "invalid request: invalid datacenter name '..\\nevil': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
    assertInvalid(() -> federation.get(GetFederationStateRequest.newBuilder().setDatacenter("dc1")
            .setTargetDatacenter("dc9.evil").build()),
        "invalid request: invalid datacenter name 'dc9.evil': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
    assertInvalid(() -> federation.get(GetFederationStateRequest.newBuilder().setDatacenter("dc1/x").build()),
        "invalid request: invalid datacenter name 'dc1/x': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
    assertInvalid(() -> federation.list(ListFederationStatesRequest.newBuilder()
        .setOptions(QueryOptions.newBuilder().setMinIndex(-1)).build()), "Invalid index: must not be negative");
    assertInvalid(() -> federation.watchList(ListFederationStatesRequest.newBuilder()
            .setOptions(QueryOptions.newBuilder().setDatacenter("dc\u0007")).build())
            .runWith(Sink.head(), clients.system),
        "invalid request: invalid datacenter name 'dc\\u0007': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
    assertThat(await(federation.list(ListFederationStatesRequest.getDefaultInstance())).getMeta().getIndex())
        .isEqualTo(before);
  }

  @Test
  void hostileRegistrationsOverGrpc() throws Exception {
    long before = await(catalog.listServices(ListServicesRequest.getDefaultInstance())).getMeta().getIndex();
    assertInvalid(() -> catalog.register(RegisterRequest.newBuilder()
            .setNode(Node.newBuilder().setNode("web3").setAddress("10.0.0.3"))
            .setService(NodeService.newBuilder().setService("web").setPort(-5)).build()),
        "service port -5: use 1-65535, or 0 for none");
    assertInvalid(() -> catalog.register(RegisterRequest.newBuilder()
            .setNode(Node.newBuilder().setNode("web3").setAddress("10.0.0.3"))
            .setService(NodeService.newBuilder().setService("mesh-gateway").setKind("mesh-gateway")).build()),
        "service port 0: a mesh gateway needs a port in 1-65535");
    assertInvalid(() -> catalog.listServices(ListServicesRequest.newBuilder()
            .setOptions(QueryOptions.newBuilder().setDatacenter("DC1")).build()),
        "invalid request: invalid datacenter name 'DC1': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
    assertThat(await(catalog.listServices(ListServicesRequest.getDefaultInstance())).getMeta().getIndex())
        .isEqualTo(before);
  }

  private void assertRefused(String path, String body, String readPath, String message) throws Exception {
    HttpResponse<String> before = get(server, readPath, null);
    HttpResponse<String> r = put(server, path, body, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).isEqualTo(message).doesNotContainPattern("\\p{Cntrl}");
    HttpResponse<String> after = get(server, readPath, null);
    assertThat(index(after)).isEqualTo(index(before));
    assertThat(after.body()).isEqualTo(before.body());
  }

  private static String registration(String serviceFields) {
    return "{\"Node\":\"web1\",\"Address\":\"10.0.0.1\",\"Service\":{\"Service\":\"web\"," + serviceFields + "}}";
  }

  private static String state(String dc, String field) {
    return "{\"Op\":\"upsert\",\"State\":{\"Datacenter\":\"" + dc + "\"," + field + "}}";
  }

  private static FederationState.Builder grpcState(String dc) {
    return GrpcApiTest.state(dc).toBuilder();
  }

  private static ApplyFederationStateRequest upsert(FederationState.Builder state) {
    return ApplyFederationStateRequest.newBuilder().setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT)
        .setState(state).build();
  }

  private static void assertInvalid(Supplier<CompletionStage<?>> call, String message) {
    assertThatThrownBy(() -> await(call.get())).cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    });
  }

  private static <T> T await(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
