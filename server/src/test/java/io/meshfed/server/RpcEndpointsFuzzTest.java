package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.meshfed.protocol.errors.Failures;
import io.meshfed.protocol.internal.Forwarded;
import io.meshfed.protocol.internal.ReplicaReport;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import io.meshfed.protocol.v1.AclBootstrapRequest;
import io.meshfed.protocol.v1.AclPolicy;
import io.meshfed.protocol.v1.AclToken;
import io.meshfed.protocol.v1.DeleteAclPolicyRequest;
import io.meshfed.protocol.v1.DeleteAclTokenRequest;
import io.meshfed.protocol.v1.GatewayRef;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.GetGatewayRolloutRequest;
import io.meshfed.protocol.v1.ListAclRequest;
import io.meshfed.protocol.v1.ListAclResponse;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.protocol.v1.ListMeshGatewaysRequest;
import io.meshfed.protocol.v1.QueryOptions;
import io.meshfed.protocol.v1.WriteAclPolicyRequest;
import io.meshfed.protocol.v1.WriteAclTokenRequest;
import io.meshfed.server.endpoint.AclEndpoint;
import io.meshfed.server.endpoint.FederationStateEndpoint;
import io.meshfed.server.endpoint.Protos;
import io.meshfed.transport.fuzz.Fuzz;
import io.meshfed.transport.rpc.PlainConnector;
import io.meshfed.transport.rpc.PoolKey;
import io.meshfed.transport.rpc.RpcClient;
import io.meshfed.transport.rpc.RpcClientOptions;
import io.meshfed.transport.rpc.RpcCode;
import io.meshfed.transport.rpc.RpcException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarded calls as another DC would send them, but hostile: every method of {@link
 * io.meshfed.server.endpoint.RpcEndpoints} gets random envelopes, mutated envelopes, valid envelopes
 * around mutated requests and mutated replica reports, through a real server's server port. Each
 * answer is a documented code (never INTERNAL), what a refused call names is left as it was in the
 * store, and the valid calls still work afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RpcEndpointsFuzzTest {
  private static final String MANAGEMENT = "fuzz-management-secret";
  private static final Duration DEADLINE = Duration.ofSeconds(3);
  private static final Set<RpcCode> DOCUMENTED = EnumSet.of(RpcCode.INVALID_ARGUMENT, RpcCode.PERMISSION_DENIED,
      RpcCode.NOT_FOUND, RpcCode.UNAVAILABLE);
  private static final Pattern CLASS_NAME =
      Pattern.compile("(java|javax|jdk|io\\.meshfed|com\\.google|org\\.apache|scala)\\.|Exception");
  private static final Set<String> WRITES = Set.of(FederationStateEndpoint.APPLY, AclEndpoint.BOOTSTRAP,
      AclEndpoint.WRITE_POLICY, AclEndpoint.DELETE_POLICY, AclEndpoint.WRITE_TOKEN, AclEndpoint.DELETE_TOKEN);

  @TempDir static Path dir;
  private MeshfedServer server;
  private RpcClient client;
  private PoolKey target;
  /** The valid request of each method, the seed of its mutations. */
  private final Map<String, Message> valid = new HashMap<>();
  /** What a successful fuzzed write named: the keys a refused write must have left alone. */
  private final Set<String> written = ConcurrentHashMap.newKeySet();

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.of("acl.enabled", true,
        "acl.tokens", List.of(Map.of("secret", MANAGEMENT, "policy", "global-management"))));
    client = new RpcClient(new PlainConnector(Duration.ofSeconds(5)), RpcClientOptions.defaults());
    target = new PoolKey(server.config().datacenter(), server.config().nodeName(),
        new InetSocketAddress(server.config().advertiseAddress(), server.config().ports().server()));
    QueryOptions noWait = QueryOptions.getDefaultInstance();
    valid.put(FederationStateEndpoint.APPLY, Protos.applyRequest("upsert", state("dc7")));
    valid.put(FederationStateEndpoint.GET, GetFederationStateRequest.newBuilder().setDatacenter("dc1").build());
    valid.put(FederationStateEndpoint.LIST, ListFederationStatesRequest.newBuilder().setOptions(noWait).build());
    valid.put(FederationStateEndpoint.ROLLOUT, GetGatewayRolloutRequest.getDefaultInstance());
    valid.put(FederationStateEndpoint.LIST_MESH_GATEWAYS, ListMeshGatewaysRequest.getDefaultInstance());
    valid.put(AclEndpoint.BOOTSTRAP, AclBootstrapRequest.getDefaultInstance());
    valid.put(AclEndpoint.WRITE_POLICY, WriteAclPolicyRequest.newBuilder().setPolicy(AclPolicy.newBuilder()
        .setName("fuzz-policy").setRules("{\"node_prefix\":{\"gw-\":{\"policy\":\"write\"}}}")).build());
    valid.put(AclEndpoint.DELETE_POLICY, DeleteAclPolicyRequest.newBuilder().setName("no-such-policy").build());
    valid.put(AclEndpoint.WRITE_TOKEN, WriteAclTokenRequest.newBuilder().setToken(AclToken.newBuilder()
        .setDescription("fuzz").addPolicies("global-management")).build());
    valid.put(AclEndpoint.DELETE_TOKEN, DeleteAclTokenRequest.newBuilder()
        .setAccessorId("00000000-0000-4000-8000-000000000000").build());
    valid.put(AclEndpoint.LIST, ListAclRequest.newBuilder().setWithSecretHashes(true).build());
  }

  @AfterAll
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      TestServers.stop(server);
    }
  }

  @Test
  void hostileForwardedCallsAreRefusedWithDocumentedCodesAndChangeNothing() throws Exception {
    validCallsSucceed();
    Map<String, String> before = snapshot();
    List<String> methods = List.copyOf(new java.util.TreeSet<>(valid.keySet()));
    Fuzz.runAsync("forwarded RPC", 16, 15, c -> {
      String method = methods.get(c.random.nextInt(methods.size()));
      byte[] envelope = c.input(envelope(c.random, method));
      return client.call(target, method, envelope, DEADLINE).handle((answer, err) -> {
        check(method, envelope, answer, err);
        return null;
      });
    });
    Map<String, String> after = snapshot();
    before.forEach((key, value) -> {
      if (!written.contains(key)) {
        assertThat(after.get(key)).as("%s, which no fuzzed call wrote", key).isEqualTo(value);
      }
    });
    after.keySet().forEach(key -> assertThat(before.containsKey(key) || written.contains(key))
        .as("%s appeared without a successful write", key).isTrue());
    validCallsSucceed();
  }

  // ---- cases ----

  private byte[] envelope(java.util.SplittableRandom r, String method) {
    Message request = valid.get(method);
    Forwarded.Builder ok = Forwarded.newBuilder().setToken(MANAGEMENT).setRequest(request.toByteString());
    if (method.equals(FederationStateEndpoint.LIST)) {
      ok.setReplica(replica());
    }
    return switch (r.nextInt(5)) {
      case 0 -> Fuzz.randomBytes(r, 64);
      case 1 -> Fuzz.mutate(r, ok.build().toByteArray());
      case 2 -> ok.setRequest(ByteString.copyFrom(Fuzz.mutate(r, request.toByteArray()))).build().toByteArray();
      case 3 -> concat(ok.clearReplica().build().toByteArray(), replicaField(Fuzz.mutate(r, replica().toByteArray())));
      default -> ok.setToken(r.nextBoolean() ? "" : new String(Fuzz.randomBytes(r, 40),
          java.nio.charset.StandardCharsets.ISO_8859_1)).setRequest(
              ByteString.copyFrom(Fuzz.mutate(r, request.toByteArray()))).build().toByteArray();
    };
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The envelope's field 3 holding {@code report} as it is, valid or not. */
  private static byte[] replicaField(byte[] report) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream.newInstance(out);
      coded.writeByteArray(3, report);
      coded.flush();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void check(String method, byte[] envelope, byte[] answer, Throwable err) {
    if (err == null) {
      if (WRITES.contains(method)) {
        written.addAll(keysOf(method, envelope, answer));
      }
      return;
    }
    Throwable cause = Failures.unwrap(err);
    assertThat(cause).as("%s failure", method).isInstanceOf(RpcException.class);
    RpcException rpc = (RpcException) cause;
    if (rpc.code() == RpcCode.DEADLINE_EXCEEDED && blockingRead(method, envelope)) {
      return;
    }
    assertThat(rpc.code()).as("%s: %s", method, rpc.getMessage()).isIn(DOCUMENTED);
    assertThat(rpc.getMessage()).as("%s message", method).doesNotContain("\n").isNotBlank()
        .doesNotContainPattern(CLASS_NAME);
    if (WRITES.contains(method) && rpc.code() != RpcCode.INVALID_ARGUMENT
        && rpc.code() != RpcCode.PERMISSION_DENIED && rpc.code() != RpcCode.NOT_FOUND) {
      // A write that failed for want of the store might still have been applied: not a refusal.
      written.addAll(keysOf(method, envelope, null));
    }
  }

  /** A read with a minimum index beyond the store's waits for it, as documented, until the deadline. */
  private static boolean blockingRead(String method, byte[] envelope) {
    try {
      ByteString request = Forwarded.parseFrom(envelope).getRequest();
      QueryOptions options = switch (method) {
        case FederationStateEndpoint.GET -> GetFederationStateRequest.parseFrom(request).getOptions();
        case FederationStateEndpoint.LIST -> ListFederationStatesRequest.parseFrom(request).getOptions();
        case FederationStateEndpoint.LIST_MESH_GATEWAYS -> ListMeshGatewaysRequest.parseFrom(request).getOptions();
        case AclEndpoint.LIST -> ListAclRequest.parseFrom(request).getOptions();
        default -> QueryOptions.getDefaultInstance();
      };
      return options.getMinIndex() != 0;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /** The snapshot keys a write names: from its request, or for a new token from its answer. */
  private static Set<String> keysOf(String method, byte[] envelope, byte[] answer) {
    try {
      ByteString request = Forwarded.parseFrom(envelope).getRequest();
      return switch (method) {
        case FederationStateEndpoint.APPLY ->
            Set.of("state " + io.meshfed.protocol.v1.ApplyFederationStateRequest.parseFrom(request)
                .getState().getDatacenter());
        case AclEndpoint.WRITE_POLICY -> Set.copyOf(List.of("policy " + WriteAclPolicyRequest.parseFrom(request)
            .getPolicy().getName(), answer == null ? "policy ?" : "policy " + AclPolicy.parseFrom(answer).getName()));
        case AclEndpoint.DELETE_POLICY -> Set.of("policy " + DeleteAclPolicyRequest.parseFrom(request).getName());
        case AclEndpoint.WRITE_TOKEN, AclEndpoint.BOOTSTRAP -> answer == null ? Set.of("token ?", "bootstrap")
            : Set.of("token " + AclToken.parseFrom(answer).getAccessorId(), "bootstrap");
        case AclEndpoint.DELETE_TOKEN -> Set.of("token " + DeleteAclTokenRequest.parseFrom(request).getAccessorId());
        default -> Set.of();
      };
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("a call succeeded with a request that does not parse", e);
    }
  }

  // ---- the store as the fuzzed calls see it ----

  private Map<String, String> snapshot() throws Exception {
    Map<String, String> out = new HashMap<>();
    ListFederationStatesResponse states = ListFederationStatesResponse.parseFrom(
        call(FederationStateEndpoint.LIST, valid.get(FederationStateEndpoint.LIST)));
    states.getStatesList().forEach(s -> out.put("state " + s.getDatacenter(), s.toString()));
    ListAclResponse acl = ListAclResponse.parseFrom(call(AclEndpoint.LIST, valid.get(AclEndpoint.LIST)));
    acl.getPoliciesList().forEach(p -> out.put("policy " + p.getName(), p.toString()));
    acl.getTokensList().forEach(t -> out.put("token " + t.getAccessorId(), t.toString()));
    out.put("bootstrap", Long.toString(acl.getBootstrapIndex()));
    return out;
  }

  private void validCallsSucceed() throws Exception {
    for (String method : List.of(FederationStateEndpoint.APPLY, FederationStateEndpoint.GET,
        FederationStateEndpoint.LIST, FederationStateEndpoint.ROLLOUT, FederationStateEndpoint.LIST_MESH_GATEWAYS,
        AclEndpoint.WRITE_POLICY, AclEndpoint.WRITE_TOKEN, AclEndpoint.LIST)) {
      call(method, valid.get(method));
    }
  }

  private byte[] call(String method, Message request) throws Exception {
    Forwarded.Builder envelope = Forwarded.newBuilder().setToken(MANAGEMENT).setRequest(request.toByteString());
    if (method.equals(FederationStateEndpoint.LIST)) {
      envelope.setReplica(replica());
    }
    return client.call(target, method, envelope.build().toByteArray(), DEADLINE).toCompletableFuture()
        .get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static ReplicaReport replica() {
    return ReplicaReport.newBuilder().setDatacenter("dc2").setPrimaryStateIndex(5)
        .addGateways(GatewayRef.newBuilder().setNode("gw1").setAddress("198.51.100.1:443")).build();
  }

  private static FederationState state(String dc) {
    return new FederationState(dc, List.of(new CheckServiceNode(
        new Node("gw1", "10.0.0.1", dc, Map.of(), Map.of()),
        new NodeService("mesh-gateway", "mesh-gateway", "mesh-gateway", List.of(), "10.0.0.1", 443, Map.of(),
            Map.of("wan", new ServiceAddress("198.51.100.1", 443))), List.of())), null, 0, 0, 0);
  }
}
