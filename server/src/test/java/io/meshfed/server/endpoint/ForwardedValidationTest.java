package io.meshfed.server.endpoint;

import io.meshfed.actors.forward.RemoteDatacenters;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.protocol.errors.ApiException;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.server.acl.Access;
import io.meshfed.server.acl.Acl;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import io.meshfed.protocol.v1.ApplyFederationStateResponse;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A secondary validates before it forwards, and nothing is dialled for a DC name that is not one:
 * the remote side here only records what it was asked to send.
 */
class ForwardedValidationTest {
  private final List<String> dialled = new ArrayList<>();
  private final RemoteDatacenters remote = (datacenter, method, request, deadline) -> {
    dialled.add(datacenter + " " + method);
    byte[] answer = method.equals(FederationStateEndpoint.APPLY)
        ? ApplyFederationStateResponse.newBuilder().setIndex(7).setApplied(true).build().toByteArray()
        : ListFederationStatesResponse.getDefaultInstance().toByteArray();
    return CompletableFuture.completedFuture(answer);
  };
  private final FederationStateEndpoint secondary = new FederationStateEndpoint(null,
      new ServerIdentity("n2", "dc2", "dc1", "127.0.0.1", 8300, 8301, "test"),
      new Acl(new ServerConfig.Acl(false, Access.DENY, Map.of(), List.of(), "",
          com.typesafe.config.ConfigFactory.empty())), remote, () -> true, "disabled", null);

  private static FederationState state(String dc, int port) {
    return new FederationState(dc, List.of(new CheckServiceNode(
        new Node("gw1", "10.0.0.1", dc, Map.of(), Map.of()),
        new NodeService("mesh-gateway", "mesh-gateway", "mesh-gateway", List.of(), "10.0.0.1", port, Map.of(),
            Map.of("wan", new ServiceAddress("198.51.100.1", 443))), List.of())), null, 0, 0, 0);
  }

  @Test
  void aSecondaryForwardsOnlyValidApplies() throws Exception {
    assertThat(failure(secondary.apply(null, "upsert", state("dc2", 0))))
        .isEqualTo("invalid request: mesh gateway 1 service port 0: a mesh gateway needs a port in 1-65535");
    assertThat(failure(secondary.apply(null, "upsert",
        state("dc2", 443).withUpdatedAt(Instant.ofEpochMilli(Long.MIN_VALUE)))))
        .startsWith("invalid request: UpdatedAt -292275055");
    assertThat(failure(secondary.apply(null, "delete", state("dc2\n", 443))))
        .startsWith("invalid request: invalid datacenter name 'dc2\\n'");
    assertThat(failure(secondary.apply(null, "frob\r\n", state("dc2", 443))))
        .isEqualTo("Invalid federation state operation: frob\\r\\n");
    assertThat(dialled).isEmpty();

    assertThat(secondary.apply(null, "upsert", state("dc2", 443)).toCompletableFuture().get().index()).isEqualTo(7);
    assertThat(secondary.apply(null, "delete", state("DC3", 443)).toCompletableFuture().get().applied()).isTrue();
    assertThat(dialled).containsExactly("dc1 FederationState.Apply", "dc1 FederationState.Apply");
  }

  @Test
  void readsDialOnlyDatacenterNames() throws Exception {
    QueryOptions hostile = new QueryOptions("../..\nevil", 0, Duration.ZERO);
    assertThat(failure(secondary.list(null, hostile))).isEqualTo("invalid request: invalid datacenter name "
        + "'../..\\nevil': use 1 to 63 characters of a-z, 0-9, '_' and '-' (no dots, no upper case)");
    assertThat(failure(secondary.listMeshGateways(null, hostile))).startsWith("invalid request: invalid datacenter");
    assertThat(failure(secondary.get(null, "dc3", hostile))).startsWith("invalid request: invalid datacenter");
    assertThat(failure(secondary.get(null, "dc3\u0000", new QueryOptions("dc3", 0, Duration.ZERO))))
        .startsWith("invalid request: invalid datacenter name 'dc3\\u0000'");
    assertThat(failure(secondary.list(null, new QueryOptions("dc3", -1, Duration.ZERO))))
        .isEqualTo("Invalid index: must not be negative");
    // The last line of defence: the forwarder itself refuses a name that is not a DC's.
    assertThat(failure(new Forwarder(remote, "dc2").call("server.evil", FederationStateEndpoint.LIST, null,
        io.meshfed.protocol.v1.ListFederationStatesRequest.getDefaultInstance(), Duration.ofSeconds(1),
        ListFederationStatesResponse.parser(), r -> r)))
        .startsWith("invalid request: invalid datacenter name 'server.evil'");
    assertThat(dialled).isEmpty();

    secondary.list(null, new QueryOptions("dc3", 0, Duration.ZERO)).toCompletableFuture().get();
    assertThat(dialled).containsExactly("dc3 FederationState.List");
  }

  private static String failure(CompletionStage<?> call) {
    try {
      call.toCompletableFuture().get();
    } catch (ExecutionException e) {
      ApiException api = ApiException.from(e);
      assertThat(api.code()).isEqualTo(ApiException.Code.INVALID_ARGUMENT);
      return api.getMessage();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected the call to fail");
  }
}
