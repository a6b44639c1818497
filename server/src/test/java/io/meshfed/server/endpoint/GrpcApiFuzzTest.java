package io.meshfed.server.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.v1.AclBootstrapRequest;
import io.meshfed.protocol.v1.AclPolicy;
import io.meshfed.protocol.v1.AclToken;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.DeleteAclPolicyRequest;
import io.meshfed.protocol.v1.DeleteAclTokenRequest;
import io.meshfed.protocol.v1.DeregisterRequest;
import io.meshfed.protocol.v1.FederationState;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.GetGatewayRolloutRequest;
import io.meshfed.protocol.v1.HealthCheck;
import io.meshfed.protocol.v1.ListAclRequest;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListMeshGatewaysRequest;
import io.meshfed.protocol.v1.ListServicesRequest;
import io.meshfed.protocol.v1.MembersRequest;
import io.meshfed.protocol.v1.Node;
import io.meshfed.protocol.v1.NodeService;
import io.meshfed.protocol.v1.QueryOptions;
import io.meshfed.protocol.v1.RegisterRequest;
import io.meshfed.protocol.v1.ServiceAddress;
import io.meshfed.protocol.v1.UpdateCheckRequest;
import io.meshfed.protocol.v1.WriteAclPolicyRequest;
import io.meshfed.protocol.v1.WriteAclTokenRequest;
import io.meshfed.transport.fuzz.Fuzz;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every request message the gRPC services take, as mutated valid encodings, through what the
 * service does with it before the store sees it: {@code parseFrom}, {@link Protos#options}, {@link
 * ProtoConvert#fromProto}, {@link AclProtos} and {@link RequestValidation}. The only failures are
 * InvalidProtocolBufferException and ApiException(INVALID_ARGUMENT) with one short line.
 */
public class GrpcApiFuzzTest {
  private static final Pattern CLASS_NAME =
      Pattern.compile("(java|javax|jdk|io\\.meshfed|com\\.google|org\\.apache|scala)\\.|Exception");
  private static final ServerIdentity SELF =
      new ServerIdentity("server-1", "dc1", "dc1", "127.0.0.1", 8300, 8301, "test");

  @FunctionalInterface
  public interface Serve {
    void serve(byte[] bytes) throws Exception;
  }

  public record Method(Message valid, Serve serve) {}

  public static final Map<String, Method> METHODS = new LinkedHashMap<>();

  static {
    QueryOptions options = QueryOptions.newBuilder().setDatacenter("dc1").setMinIndex(5).setWaitMs(1000).build();
    METHODS.put("FederationState/Apply", new Method(ApplyFederationStateRequest.newBuilder()
        .setOp(io.meshfed.protocol.v1.FederationStateOp.FEDERATION_STATE_OP_UPSERT).setState(state("dc2")).build(),
        b -> {
          ApplyFederationStateRequest in = ApplyFederationStateRequest.parseFrom(b);
          var state = in.hasState() ? ProtoConvert.fromProto(in.getState()) : null;
          FederationStateOp op = RequestValidation.federationStateOp(Protos.opName(in.getOp()));
          RequestValidation.federationState(op, state);
        }));
    METHODS.put("FederationState/Get", new Method(GetFederationStateRequest.newBuilder().setDatacenter("dc2")
        .setTargetDatacenter("dc1").setOptions(options).build(), b -> {
          GetFederationStateRequest in = GetFederationStateRequest.parseFrom(b);
          var q = Protos.options(in.getOptions());
          RequestValidation.requireValid(q);
          RequestValidation.requireValidTarget(in.getTargetDatacenter());
          RequestValidation.requireValidLookup(in.getDatacenter());
        }));
    METHODS.put("FederationState/List", new Method(ListFederationStatesRequest.newBuilder().setOptions(options)
        .build(), b -> RequestValidation.requireValid(Protos.options(ListFederationStatesRequest.parseFrom(b)
            .getOptions()))));
    METHODS.put("FederationState/ListMeshGateways", new Method(ListMeshGatewaysRequest.newBuilder()
        .setOptions(options).build(), b -> RequestValidation.requireValid(Protos.options(
            ListMeshGatewaysRequest.parseFrom(b).getOptions()))));
    METHODS.put("FederationState/GatewayRollout", new Method(GetGatewayRolloutRequest.newBuilder()
        .addRemove("gw-dc2").addRemove("10.0.2.1:8443").build(), b -> RequestValidation.gatewaysToRemove(
            GetGatewayRolloutRequest.parseFrom(b).getRemoveList(), FederationStateEndpoint.MAX_REMOVE)));
    METHODS.put("Catalog/Register", new Method(RegisterRequest.newBuilder().setNode(node("web-1", "dc1"))
        .setService(NodeService.newBuilder().setId("web").setService("web").setPort(8080).addTags("v1"))
        .addChecks(HealthCheck.newBuilder().setNode("web-1").setCheckId("web-alive").setName("alive")
            .setStatus("passing").setServiceId("web")).build(), b -> {
              RegisterRequest in = RegisterRequest.parseFrom(b);
              RequestValidation.registration(in.hasNode() ? ProtoConvert.fromProto(in.getNode()) : null,
                  in.hasService() ? ProtoConvert.fromProto(in.getService()) : null,
                  in.getChecksList().stream().map(ProtoConvert::fromProto).toList(), SELF);
            }));
    METHODS.put("Catalog/Deregister", new Method(DeregisterRequest.newBuilder().setNode("web-1")
        .setServiceId("web").setCheckId("web-alive").build(), b -> DeregisterRequest.parseFrom(b)));
    METHODS.put("Catalog/UpdateCheck", new Method(UpdateCheckRequest.newBuilder().setNode("web-1")
        .setCheckId("web-alive").setStatus("critical").setOutput("down").build(), b -> {
          UpdateCheckRequest in = UpdateCheckRequest.parseFrom(b);
          RequestValidation.checkOutput(in.getCheckId(), in.getOutput());
        }));
    METHODS.put("Catalog/ListServices", new Method(ListServicesRequest.newBuilder().setName("web")
        .setOptions(options).build(), b -> RequestValidation.requireValid(Protos.options(
            ListServicesRequest.parseFrom(b).getOptions()))));
    METHODS.put("Acl/Bootstrap", new Method(AclBootstrapRequest.getDefaultInstance(),
        b -> AclBootstrapRequest.parseFrom(b)));
    METHODS.put("Acl/WritePolicy", new Method(WriteAclPolicyRequest.newBuilder().setPolicy(AclPolicy.newBuilder()
        .setName("gw-writers").setRules("{\"node_prefix\":{\"gw-\":{\"policy\":\"write\"}}}")).build(),
        b -> assertThat(AclProtos.fromProto(WriteAclPolicyRequest.parseFrom(b).getPolicy())).isNotNull()));
    METHODS.put("Acl/DeletePolicy", new Method(DeleteAclPolicyRequest.newBuilder().setName("gw-writers").build(),
        b -> DeleteAclPolicyRequest.parseFrom(b)));
    METHODS.put("Acl/WriteToken", new Method(WriteAclTokenRequest.newBuilder().setToken(AclToken.newBuilder()
        .setDescription("ci").addPolicies("gw-writers")).build(),
        b -> assertThat(AclProtos.tokenWrite(WriteAclTokenRequest.parseFrom(b).getToken())).isNotNull()));
    METHODS.put("Acl/DeleteToken", new Method(DeleteAclTokenRequest.newBuilder()
        .setAccessorId("00000000-0000-4000-8000-000000000000").build(), b -> DeleteAclTokenRequest.parseFrom(b)));
    METHODS.put("Acl/List", new Method(ListAclRequest.newBuilder().setOptions(options).build(),
        b -> RequestValidation.requireValid(Protos.options(ListAclRequest.parseFrom(b).getOptions()))));
    METHODS.put("Operator/Members", new Method(MembersRequest.newBuilder().setWan(true).build(),
        b -> MembersRequest.parseFrom(b)));
  }

  static FederationState state(String dc) {
    return FederationState.newBuilder().setDatacenter(dc).addMeshGateways(CheckServiceNode.newBuilder()
        .setNode(node("gw-" + dc, dc))
        .setService(NodeService.newBuilder().setId("mesh-gateway").setService("mesh-gateway").setKind("mesh-gateway")
            .setPort(8443).putMeta("meshfed-wan-federation", "1")
            .putTaggedAddresses("wan", ServiceAddress.newBuilder().setAddress("203.0.113.3").setPort(443).build()))
        .addChecks(HealthCheck.newBuilder().setNode("gw-" + dc).setCheckId("gw-alive").setName("alive")
            .setStatus("passing").setServiceId("mesh-gateway")))
        .build();
  }

  static Node node(String name, String dc) {
    return Node.newBuilder().setNode(name).setAddress("10.0.3.1").setDatacenter(dc).build();
  }

  @Test
  void validRequestsAreServed() throws Exception {
    for (Map.Entry<String, Method> m : METHODS.entrySet()) {
      try {
        m.getValue().serve().serve(m.getValue().valid().toByteArray());
      } catch (Exception e) {
        throw new AssertionError(m.getKey() + " refused its valid request", e);
      }
    }
  }

  @Test
  void mutatedRequestsParseOrFailWithInvalidArgument() {
    List<String> names = new ArrayList<>(METHODS.keySet());
    int ran = Fuzz.run("gRPC requests", c -> {
      String name = names.get(c.random.nextInt(names.size()));
      Method m = METHODS.get(name);
      byte[] bytes = c.input(c.random.nextInt(8) == 0 ? Fuzz.randomBytes(c.random, 64)
          : Fuzz.mutate(c.random, m.valid().toByteArray()));
      serveOrRefuse(name, m, bytes);
    });
    assertThat(ran).isEqualTo(Fuzz.tries());
  }

  static void serveOrRefuse(String name, Method m, byte[] bytes) throws Exception {
    try {
      m.serve().serve(bytes);
    } catch (InvalidProtocolBufferException e) {
      // the gRPC layer answers INVALID_ARGUMENT for these
    } catch (ApiException e) {
      if (name.equals("Catalog/Register") && e.code() == ApiException.Code.UNAVAILABLE
          && e.getMessage().startsWith("No path to datacenter")) {
        // A registration for another valid DC: the documented "not served here" answer, no decoding failure.
        return;
      }
      assertThat(e.code()).as("%s: %s", name, e.getMessage()).isEqualTo(ApiException.Code.INVALID_ARGUMENT);
      assertThat(e.getMessage()).as(name).isNotBlank().doesNotContain("\n").hasSizeLessThan(512)
          .doesNotContainPattern(CLASS_NAME);
    }
  }
}
