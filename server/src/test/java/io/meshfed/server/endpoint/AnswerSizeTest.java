package io.meshfed.server.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Limits;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.Validation;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.protocol.v1.ListServicesResponse;
import io.meshfed.transport.rpc.RpcServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The largest answers the totals permit fit where they travel: the store's list answers cross the
 * LAN as one Artery message (Jackson CBOR, the server's frame limit), a replication answer crosses
 * the WAN as one internal RPC frame, and gRPC clients receive at most 4 MiB by default. CBOR spells
 * out every field name, so the worst case is a list of near-empty records; records of long strings
 * are the other extreme. Each list is filled with valid records up to the total, as the store
 * measures it.
 */
class AnswerSizeTest {
  /** Artery's envelope around the serialized message: actor paths, manifests, a header. */
  private static final int ARTERY_ENVELOPE_BYTES = 4 * 1024;
  /** The RPC frame's own header around the protobuf answer. */
  private static final int RPC_FRAME_HEADER_BYTES = 64;
  /** grpc-java's and grpc-js's default maximum size of a received message. */
  private static final int GRPC_CLIENT_MAX_BYTES = 4 * 1024 * 1024;
  /** What the store stamps when no UpdatedAt is given: Instant.now(), nanoseconds and all. */
  private static final Instant STAMPED = Instant.parse("2024-01-02T03:04:05.123456789Z");

  private static ActorTestKit testKit;
  private static int arteryFrameBytes;

  @BeforeAll
  static void start() {
    // The server's own Pekko settings over the modules' reference.conf (the jackson-cbor binding).
    Config config = ConfigFactory.parseResources(AnswerSizeTest.class, "/meshfed-server.conf")
        .withFallback(ConfigFactory.load()).resolve();
    arteryFrameBytes = (int) config.getBytes("pekko.remote.artery.advanced.maximum-frame-size").longValue();
    testKit = ActorTestKit.create("answer-size", config);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void theLargestFederationStateListsFitAnArteryMessageAndAnRpcFrame() {
    assertFederationStatesFit("near-empty gateways", i -> state("d" + i, 32, j -> gateway("g", List.of(), List.of())));
    assertFederationStatesFit("states without gateways", i -> state("d" + i, 0, j -> null));
    assertFederationStatesFit("gateways with 32 near-empty checks",
        i -> state("d" + i, 32, j -> gateway("g", List.of(), checks(32))));
    assertFederationStatesFit("gateways with long tags",
        i -> state("d" + i, 3, j -> gateway("gw-" + j, Collections.nCopies(64, "t".repeat(256)), List.of())));
  }

  @Test
  void theLargestCatalogListsFitAnArteryMessage() {
    assertCatalogFits("near-empty instances", i -> instance("a", "s" + Integer.toString(i, 36), List.of(), List.of()));
    assertCatalogFits("instances with 32 near-empty checks",
        i -> instance("n" + Integer.toString(i, 36), "s", List.of(), checks(32)));
    assertCatalogFits("instances with long tags",
        i -> instance("n" + i, "web", Collections.nCopies(60, "t".repeat(256)), List.of()));
  }

  /** Every field of the answer's meta at its largest. */
  private static final DcStore.QueryResult<?> LARGEST_META = new DcStore.ServicesResult(Long.MAX_VALUE, List.of(), true);

  private void assertFederationStatesFit(String shape, IntFunction<FederationState> make) {
    List<FederationState> states = fill(make, fs -> ProtoConvert.asListElement(ProtoConvert.encodedSize(fs)),
        Limits.MAX_FEDERATION_STATES_BYTES);
    states.forEach(fs -> assertThat(Validation.federationStateError(fs)).as(shape).isEmpty());
    int proto = ListFederationStatesResponse.newBuilder().setMeta(Protos.meta(LARGEST_META))
        .addAllStates(states.stream().map(ProtoConvert::toProto).toList()).build().getSerializedSize();
    int cbor = cbor(new DcStore.FederationStatesResult(Long.MAX_VALUE, states));
    Map<String, List<CheckServiceNode>> byDc = new LinkedHashMap<>();
    states.forEach(fs -> byDc.put(fs.datacenter(), fs.meshGateways()));
    int gatewaysCbor = cbor(new DcStore.MeshGatewaysResult(Long.MAX_VALUE, byDc, true));
    System.out.printf("federation states, %s: %d states, protobuf %d bytes, CBOR %d bytes (mesh gateways %d)%n",
        shape, states.size(), proto, cbor, gatewaysCbor);
    assertThat(Math.max(cbor, gatewaysCbor) + ARTERY_ENVELOPE_BYTES).as(shape).isLessThanOrEqualTo(arteryFrameBytes);
    assertThat(proto + RPC_FRAME_HEADER_BYTES).as(shape).isLessThanOrEqualTo(RpcServer.DEFAULT_MAX_FRAME_BYTES);
    assertThat(proto).as(shape).isLessThanOrEqualTo(GRPC_CLIENT_MAX_BYTES);
  }

  private void assertCatalogFits(String shape, IntFunction<CheckServiceNode> make) {
    List<CheckServiceNode> instances = fill(make, ProtoConvert::listedSize, Limits.MAX_CATALOG_BYTES);
    instances.forEach(e -> assertThat(Validation.registrationError(e.node(), e.service(), e.checks())).as(shape)
        .isEmpty());
    int proto = ListServicesResponse.newBuilder().setMeta(Protos.meta(LARGEST_META))
        .addAllNodes(ProtoConvert.toProto(instances)).build().getSerializedSize();
    int cbor = cbor(new DcStore.ServicesResult(Long.MAX_VALUE, instances, true));
    System.out.printf("catalog, %s: %d instances, protobuf %d bytes, CBOR %d bytes%n",
        shape, instances.size(), proto, cbor);
    assertThat(cbor + ARTERY_ENVELOPE_BYTES).as(shape).isLessThanOrEqualTo(arteryFrameBytes);
    assertThat(proto).as(shape).isLessThanOrEqualTo(GRPC_CLIENT_MAX_BYTES);
  }

  /** Records made by {@code make} while their sizes add up to no more than {@code total}. */
  private static <T> List<T> fill(IntFunction<T> make, ToIntFunction<T> size, int total) {
    List<T> out = new ArrayList<>();
    long sum = 0;
    for (int i = 0; ; i++) {
      T next = make.apply(i);
      sum += size.applyAsInt(next);
      if (sum > total) {
        return out;
      }
      out.add(next);
    }
  }

  /** The message that crosses the LAN: the store's answer in a StatusReply, as jackson-cbor writes it. */
  private static int cbor(Object result) {
    return SerializationExtension.get(testKit.system()).serialize(StatusReply.success(result)).get().length;
  }

  private static FederationState state(String dc, int gateways, IntFunction<CheckServiceNode> gateway) {
    return new FederationState(dc, IntStream.range(0, gateways).mapToObj(gateway).toList(), STAMPED,
        Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
  }

  private static CheckServiceNode gateway(String node, List<String> tags, List<HealthCheck> checks) {
    return new CheckServiceNode(new Node(node, "a", "", Map.of(), Map.of()),
        new NodeService("", "a", "", tags, "", 1, Map.of(), Map.of()), checks);
  }

  private static CheckServiceNode instance(String node, String id, List<String> tags, List<HealthCheck> checks) {
    return new CheckServiceNode(new Node(node, "a", "a", Map.of(), Map.of()),
        new NodeService(id, "a", "", tags, "", 0, Map.of(), Map.of()), checks);
  }

  private static List<HealthCheck> checks(int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> new HealthCheck("", Integer.toString(i, 36), "", HealthCheck.CRITICAL, "", "", "", ""))
        .toList();
  }
}
