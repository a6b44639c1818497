package io.meshfed.server;

import static io.meshfed.server.RawConnections.loopback;
import static io.meshfed.server.RawConnections.readUntilClosed;
import static io.meshfed.server.RawConnections.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfed.protocol.v1.ApplyFederationStateRequest;
import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.FederationState;
import io.meshfed.protocol.v1.FederationStateOp;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.protocol.v1.Node;
import io.meshfed.protocol.v1.NodeService;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC API's listener with ACLs on and small limits: watches outlive every idle timeout, idle
 * and silent connections are closed, and oversized, unauthorized, compressed or stalled messages
 * are refused before they are read, with the status and the one line a gRPC client shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcListenerLimitsTest {
  private static final String READER = "reader-secret";
  private static final String WRITER = "writer-secret";
  private static final String LIST = "/meshfed.v1.FederationStateService/List";
  private static final String APPLY = "/meshfed.v1.FederationStateService/Apply";

  @TempDir static Path dir;
  MeshfedServer server;
  ActorSystem<Void> clientSystem;
  FederationStateServiceClient client;

  @BeforeAll
  void start() {
    server = TestServers.start(dir.resolve("data"), Map.ofEntries(
        Map.entry("acl.enabled", true),
        Map.entry("acl.tokens", List.of(Map.of("secret", READER, "policy", "operator:read"),
            Map.of("secret", WRITER, "policy", "operator:write"))),
        Map.entry("limits.grpc.max-connections", 40),
        Map.entry("limits.grpc.max-connections-per-client", 8),
        Map.entry("limits.grpc.handshake-timeout", "2s"),
        Map.entry("limits.grpc.request-message-timeout", "1s"),
        Map.entry("limits.grpc.idle-timeout", "1s"),
        Map.entry("limits.grpc.keepalive-interval", "1s"),
        Map.entry("limits.grpc.max-message", "256KiB"),
        Map.entry("limits.http.max-request-body", "256KiB"),
        Map.entry("limits.http.request-body-timeout", "1s"),
        Map.entry("limits.request-buffer", "256KiB")),
        // Pekko's own byte-level idle timeout, short: it must not reach the gRPC port.
        ConfigFactory.parseString("pekko.http.server.idle-timeout = 2s"));
    clientSystem = ActorSystem.create(Behaviors.empty(), "grpc-limits-client");
    client = FederationStateServiceClient.create(GrpcClientSettings
        .connectToServiceAt("127.0.0.1", server.grpcPort(), clientSystem).withTls(false), clientSystem);
  }

  @AfterAll
  void stop() throws Exception {
    client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    clientSystem.terminate();
    clientSystem.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    TestServers.stop(server);
  }

  @Test
  void aWatchOutlivesQuietPeriodsLongerThanEveryIdleTimeout() throws Exception {
    SinkQueueWithCancel<ListFederationStatesResponse> watch = client.watchList()
        .addHeader("x-meshfed-token", READER)
        .invoke(ListFederationStatesRequest.getDefaultInstance())
        .runWith(Sink.queue(), clientSystem);
    ListFederationStatesResponse first = await(watch.pull()).orElseThrow();
    // Five seconds without a change: more than the idle timeouts (1 s ours, 2 s Pekko's).
    CompletionStage<java.util.Optional<ListFederationStatesResponse>> next = watch.pull();
    Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
        .until(() -> !next.toCompletableFuture().isDone());
    await(client.apply().addHeader("x-meshfed-token", WRITER).invoke(apply(state("dc7", 0))));
    ListFederationStatesResponse changed = await(next).orElseThrow();
    assertThat(changed.getMeta().getIndex()).isGreaterThan(first.getMeta().getIndex());
    assertThat(changed.getStatesList()).extracting(FederationState::getDatacenter).contains("dc7");
    watch.cancel();
  }

  @Test
  void aConnectionWithoutCallsIsClosedWhenIdle() throws Exception {
    try (RawHttp2 h2 = RawHttp2.connect(loopback(1), server.grpcPort())) {
      h2.preface();
      h2.grpcHeaders(1, LIST, READER);
      h2.data(1, frameOf(ListFederationStatesRequest.getDefaultInstance().toByteArray()), true);
      assertThat(h2.awaitEndOfStream(1, Duration.ofSeconds(10))).containsEntry("grpc-status", "0");
      // Then nothing: one idle timeout later the server says goodbye and closes.
      assertThat(framesUntilClosed(h2, Duration.ofSeconds(10))).contains(RawHttp2.GOAWAY);
    }
  }

  @Test
  void unauthorizedAndOversizedMessagesAreRefusedAndStoreNothing() throws Exception {
    long before = storeIndex();
    ApplyFederationStateRequest huge = apply(state("dc8", 5_000_000));
    assertThatThrownBy(() -> await(client.apply().invoke(huge)))
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription()).isEqualTo("Permission denied");
        });
    assertThatThrownBy(() -> await(client.apply().addHeader("x-meshfed-token", READER).invoke(huge)))
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> await(client.apply().addHeader("x-meshfed-token", WRITER).invoke(huge)))
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription()).matches("the request message is \\d+ bytes, over the limit "
              + "of 262144 bytes \\(meshfed.limits.grpc.max-message\\)");
        });
    // A prefix that claims 100 MB is refused from the prefix alone: no body follows it.
    try (RawHttp2 h2 = RawHttp2.connect(loopback(1), server.grpcPort())) {
      h2.preface();
      h2.grpcHeaders(1, APPLY, WRITER);
      h2.data(1, RawHttp2.messagePrefix(100_000_000), false);
      Map<String, String> trailers = h2.awaitEndOfStream(1, Duration.ofSeconds(10));
      assertThat(trailers).containsEntry("grpc-status", "8");
      assertThat(RawHttp2.grpcMessage(trailers)).isEqualTo(
          "the request message is 100000000 bytes, over the limit of 262144 bytes (meshfed.limits.grpc.max-message)");
    }
    assertThat(storeIndex()).isEqualTo(before);
  }

  @Test
  void aMessageThatStopsHalfwayAndACompressedOneAreRefused() throws Exception {
    try (RawHttp2 h2 = RawHttp2.connect(loopback(1), server.grpcPort())) {
      h2.preface();
      h2.grpcHeaders(1, LIST, READER);
      h2.data(1, RawHttp2.messagePrefix(100), false);
      Map<String, String> stalled = h2.awaitEndOfStream(1, Duration.ofSeconds(10));
      assertThat(stalled).containsEntry("grpc-status", "4");
      assertThat(RawHttp2.grpcMessage(stalled)).isEqualTo(
          "the request message did not arrive within 1s (meshfed.limits.grpc.request-message-timeout)");

      h2.grpcHeaders(3, LIST, READER, Map.of("grpc-encoding", "gzip"));
      Map<String, String> gzip = h2.awaitEndOfStream(3, Duration.ofSeconds(10));
      assertThat(gzip).containsEntry("grpc-status", "12");
      assertThat(RawHttp2.grpcMessage(gzip)).isEqualTo(
          "message compression (grpc-encoding gzip) is not supported: send messages uncompressed");
    }
  }

  @Test
  void messagesBeingReadShareOneBudget() throws Exception {
    // Four calls hold 60,000 bytes each, stalled mid-message (within HTTP/2's initial window)...
    List<RawHttp2> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        RawHttp2 h2 = RawHttp2.connect(loopback(30 + i), server.grpcPort());
        h2.preface();
        h2.grpcHeaders(1, LIST, READER);
        h2.data(1, java.nio.ByteBuffer.allocate(60_000).put(RawHttp2.messagePrefix(100_000)).array(), false);
        stalled.add(h2);
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> TestServers.get(server, "/v1/agent/metrics",
          READER).body().contains("meshfed_api_request_buffer_bytes 240000"));
      // ...so a fifth does not fit the 256 KiB they share, however small its own message.
      try (RawHttp2 fifth = RawHttp2.connect(loopback(35), server.grpcPort())) {
        fifth.preface();
        fifth.grpcHeaders(1, LIST, READER);
        fifth.data(1, java.nio.ByteBuffer.allocate(60_000).put(RawHttp2.messagePrefix(59_995)).array(), true);
        Map<String, String> trailers = fifth.awaitEndOfStream(1, Duration.ofSeconds(10));
        assertThat(trailers).containsEntry("grpc-status", "8");
        assertThat(RawHttp2.grpcMessage(trailers)).isEqualTo(
            "the server holds 262144 bytes of requests being read, its limit (meshfed.limits.request-buffer); retry");
      }
      // The HTTP API draws on the same budget: a body declared as 100,000 bytes does not fit either.
      try (RawConnections raw = new RawConnections()) {
        Socket put = raw.open(loopback(36), server.httpPort());
        send(put, "PUT /v1/catalog/register HTTP/1.1\r\nHost: x\r\nX-Meshfed-Token: " + WRITER
            + "\r\nContent-Length: 100000\r\n\r\n{");
        assertThat(readUntilClosed(put, Duration.ofSeconds(10))).startsWith("HTTP/1.1 503")
            .endsWith("the server holds 262144 bytes of requests being read, its limit "
                + "(meshfed.limits.request-buffer); retry");
      }
      // Each stalled call times out (1 s) and gives its bytes back: a call fits again.
      for (RawHttp2 h2 : stalled) {
        assertThat(h2.awaitEndOfStream(1, Duration.ofSeconds(10))).containsEntry("grpc-status", "4");
      }
      assertThat(storeIndex()).isPositive();
    } finally {
      for (RawHttp2 h2 : stalled) {
        h2.close();
      }
    }
  }

  @Test
  void connectionsOverTheCapAreToldWhyInAGoAway() throws Exception {
    List<RawHttp2> held = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        RawHttp2 h2 = RawHttp2.connect(loopback(20), server.grpcPort());
        h2.preface();
        held.add(h2);
      }
      try (RawHttp2 ninth = RawHttp2.connect(loopback(20), server.grpcPort())) {
        ninth.preface();
        RawHttp2.Frame settings = ninth.readFrame();
        RawHttp2.Frame goAway = ninth.readFrame();
        assertThat(settings.type()).isEqualTo(RawHttp2.SETTINGS);
        assertThat(goAway.type()).isEqualTo(RawHttp2.GOAWAY);
        assertThat(java.nio.ByteBuffer.wrap(goAway.payload(), 4, 4).getInt()).as("ENHANCE_YOUR_CALM").isEqualTo(0xb);
        assertThat(new String(goAway.payload(), 8, goAway.payload().length - 8, StandardCharsets.UTF_8)).isEqualTo(
            "too many connections from 127.0.0.20: 8 are open, the limit is 8 "
                + "(meshfed.limits.grpc.max-connections-per-client)");
      }
      // Having sent no call, the eight are closed when the handshake timeout (2 s) ends.
      for (RawHttp2 h2 : held) {
        assertThat(framesUntilClosed(h2, Duration.ofSeconds(10))).contains(RawHttp2.GOAWAY);
      }
    } finally {
      for (RawHttp2 h2 : held) {
        h2.close();
      }
    }
  }

  @Test
  void silentAndWrongProtocolConnectionsGetOneAnswer() throws Exception {
    try (RawConnections raw = new RawConnections()) {
      Socket http1 = raw.open(loopback(1), server.grpcPort());
      send(http1, "GET /v1/status/leader HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(readUntilClosed(http1, Duration.ofSeconds(5))).startsWith("HTTP/1.1 505 HTTP Version Not Supported")
          .endsWith("this port serves the gRPC API over HTTP/2 (h2c with prior knowledge); the HTTP API has its own "
              + "port (meshfed.ports.http)");
      Socket garbage = raw.open(loopback(1), server.grpcPort());
      send(garbage, "\u0016\u0003\u0001 not a preface at all");
      assertThat(readUntilClosed(garbage, Duration.ofSeconds(5))).contains("invalid connection preface");
      Socket silent = raw.open(loopback(1), server.grpcPort());
      assertThat(readUntilClosed(silent, Duration.ofSeconds(10))).doesNotEndWith("<still open>");
    }
  }

  private static List<Byte> framesUntilClosed(RawHttp2 h2, Duration timeout) throws Exception {
    h2.socket().setSoTimeout((int) timeout.toMillis());
    List<Byte> types = new ArrayList<>();
    for (RawHttp2.Frame f; (f = h2.readFrame()) != null; ) {
      types.add(f.type());
    }
    return types;
  }

  private long storeIndex() throws Exception {
    return await(client.list().addHeader("x-meshfed-token", READER)
        .invoke(ListFederationStatesRequest.getDefaultInstance())).getMeta().getIndex();
  }

  /** A state whose one gateway carries {@code padding} bytes of tags. */
  private static FederationState state(String dc, int padding) {
    NodeService.Builder service = NodeService.newBuilder().setId("mesh-gateway").setService("mesh-gateway")
        .setKind("mesh-gateway").setPort(8443).putMeta("meshfed-wan-federation", "1");
    if (padding > 0) {
      service.addTags("x".repeat(padding));
    }
    return FederationState.newBuilder().setDatacenter(dc).addMeshGateways(CheckServiceNode.newBuilder()
        .setNode(Node.newBuilder().setNode("gw-" + dc).setAddress("10.0.3.1").setDatacenter(dc))
        .setService(service)).build();
  }

  private static ApplyFederationStateRequest apply(FederationState state) {
    return ApplyFederationStateRequest.newBuilder().setOp(FederationStateOp.FEDERATION_STATE_OP_UPSERT)
        .setState(state).build();
  }

  private static byte[] frameOf(byte[] message) {
    return java.nio.ByteBuffer.allocate(5 + message.length).put(RawHttp2.messagePrefix(message.length))
        .put(message).array();
  }

  private static <T> T await(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
