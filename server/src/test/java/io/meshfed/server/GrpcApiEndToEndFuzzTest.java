package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfed.protocol.errors.Failures;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.GetFederationStateRequest;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListServicesRequest;
import io.meshfed.protocol.v1.RegisterRequest;
import io.meshfed.server.endpoint.GrpcApiFuzzTest;
import io.meshfed.transport.fuzz.Fuzz;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated request messages (those that still parse) through a real server's gRPC port with the
 * generated client: each refusal has a documented status, never UNKNOWN or INTERNAL, and a valid
 * call still works afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcApiEndToEndFuzzTest {
  private static final Set<Status.Code> DOCUMENTED = EnumSet.of(Status.Code.INVALID_ARGUMENT,
      Status.Code.PERMISSION_DENIED, Status.Code.NOT_FOUND, Status.Code.UNAVAILABLE);
  private static final List<String> METHODS = List.of("FederationState/Apply", "FederationState/Get",
      "FederationState/List", "Catalog/Register", "Catalog/ListServices");

  @TempDir static Path dir;
  private MeshfedServer server;
  private GrpcClients clients;
  private FederationStateServiceClient federation;
  private CatalogServiceClient catalog;

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.of());
    clients = new GrpcClients(server, "grpc-fuzz-client");
    federation = clients.federation;
    catalog = clients.catalog;
  }

  @AfterAll
  void stop() throws Exception {
    if (clients != null) {
      clients.close();
    }
    if (server != null) {
      TestServers.stop(server);
    }
  }

  @Test
  void mutatedMessagesGetDocumentedStatusesAndValidCallsStillWork() throws Exception {
    int previous = Fuzz.tries();
    // Each case is a real call: a fiftieth of the parser's count.
    System.setProperty(Fuzz.TRIES, String.valueOf(Math.max(1, previous / 50)));
    try {
      Fuzz.runAsync("gRPC API end to end", 4, 30, c -> {
        String method = METHODS.get(c.random.nextInt(METHODS.size()));
        byte[] bytes = c.input(Fuzz.mutate(c.random,
            GrpcApiFuzzTest.METHODS.get(method).valid().toByteArray()));
        CompletionStage<?> answer;
        try {
          answer = call(method, bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException unparsable) {
          return CompletableFuture.completedFuture(null);
        }
        return answer.handle((ok, err) -> {
          if (err != null) {
            Throwable cause = Failures.unwrap(err);
            assertThat(cause).as(method).isInstanceOf(StatusRuntimeException.class);
            Status status = ((StatusRuntimeException) cause).getStatus();
            assertThat(status.getCode()).as("%s: %s", method, status.getDescription()).isIn(DOCUMENTED);
            assertThat(status.getDescription()).as(method).isNotBlank().doesNotContain("\n");
          }
          return null;
        });
      });
    } finally {
      System.setProperty(Fuzz.TRIES, String.valueOf(previous));
    }
    assertThat(federation.apply((ApplyFederationStateRequest) GrpcApiFuzzTest.METHODS.get("FederationState/Apply")
        .valid()).toCompletableFuture().get(10, TimeUnit.SECONDS).getIndex()).isPositive();
    assertThat(federation.get(GetFederationStateRequest.newBuilder().setDatacenter("dc2").build())
        .toCompletableFuture().get(10, TimeUnit.SECONDS).getState().getDatacenter()).isEqualTo("dc2");
  }

  private CompletionStage<?> call(String method, byte[] bytes) throws Exception {
    return switch (method) {
      case "FederationState/Apply" -> federation.apply(ApplyFederationStateRequest.parseFrom(bytes));
      case "FederationState/Get" -> {
        var in = GetFederationStateRequest.parseFrom(bytes);
        yield federation.get(in.toBuilder().setOptions(shortWait(in.getOptions())).build());
      }
      case "FederationState/List" -> {
        var in = ListFederationStatesRequest.parseFrom(bytes);
        yield federation.list(in.toBuilder().setOptions(shortWait(in.getOptions())).build());
      }
      case "Catalog/Register" -> catalog.register(RegisterRequest.parseFrom(bytes));
      default -> {
        var in = ListServicesRequest.parseFrom(bytes);
        yield catalog.listServices(in.toBuilder().setOptions(shortWait(in.getOptions())).build());
      }
    };
  }

  /** A mutated index can make a read block for its whole wait: at most a second keeps each case short. */
  private static io.meshfed.protocol.v1.QueryOptions shortWait(io.meshfed.protocol.v1.QueryOptions o) {
    return o.getWaitMs() > 1000 || o.getWaitMs() < 0 ? o.toBuilder().setWaitMs(1000).build() : o;
  }
}
