package io.meshfed.actors.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.actors.lan.LanMembers;
import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.dial.TlsConnector;
import io.meshfed.transport.metrics.Meters;
import io.meshfed.transport.port.ServerPort;
import io.meshfed.transport.port.ServerPortSettings;
import io.meshfed.transport.rpc.PlainConnector;
import io.meshfed.transport.rpc.RpcClient;
import io.meshfed.transport.rpc.RpcClientOptions;
import io.meshfed.transport.rpc.RpcServer;
import io.meshfed.transport.tls.CertificateTool;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import io.meshfed.transport.tls.TlsSource;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dialer and internal RPC over real server ports with real certificates: same-DC
 * servers are dialed by node at their own address, other DCs through a gateway address, and the
 * certificate is verified against the target's name either way.
 */
class InternalRpcTest {
  private static final String WHO = "Test.WhoAmI";
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @TempDir Path dir;
  private CertificateTool.Issued ca;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void createCa() {
    ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void aSameDcServerIsDialedByNodeAtItsOwnAddressAndItsConnectionIsReused() throws Exception {
    ServerPort n1 = tlsServer("dc1", "n1");
    ServerPort n2 = tlsServer("dc1", "n2");
    InternalRpc rpc = tlsClient(List.of(alive("n1", n1), alive("n2", n2)), Map.of());

    assertThat(call(rpc, "dc1", "n2")).isEqualTo("dc1/n2");
    assertThat(call(rpc, "dc1", "n1")).isEqualTo("dc1/n1");
    for (int i = 0; i < 5; i++) {
      assertThat(call(rpc, "dc1", "n2")).isEqualTo("dc1/n2");
    }
    assertThat(n2.stats().dispatched()).as("one pooled connection to n2").isEqualTo(1);
  }

  @Test
  void anyServerOfTheDcIsOneOfItsAliveServers() throws Exception {
    ServerPort n1 = tlsServer("dc1", "n1");
    ServerPort n2 = tlsServer("dc1", "n2");
    LanMembers.Server failed = new LanMembers.Server("n3", "127.0.0.1", 1, closedPort(), LanMembers.FAILED, false);
    InternalRpc rpc = tlsClient(List.of(alive("n1", n1), alive("n2", n2), failed), Map.of());

    Set<String> answered = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      answered.add(call(rpc, "dc1", Dialer.ANY_SERVER));
    }
    assertThat(answered).containsExactlyInAnyOrder("dc1/n1", "dc1/n2");
  }

  @Test
  void aNodeThatIsNotAnAliveServerIsAClearError() throws Exception {
    ServerPort n1 = tlsServer("dc1", "n1");
    LanMembers.Server failed = new LanMembers.Server("n3", "127.0.0.1", 1, closedPort(), LanMembers.FAILED, false);
    InternalRpc rpc = tlsClient(List.of(alive("n1", n1), failed), Map.of());

    for (String node : List.of("n3", "n9")) {
      assertThatThrownBy(() -> call(rpc, "dc1", node)).cause().isInstanceOf(ApiException.class)
          .hasMessage("No path to server \"" + node + "\" in datacenter \"dc1\": it is not an alive server of the DC");
    }
  }

  @Test
  void aServerAnsweringWithAnotherNodesCertificateIsRefused() throws Exception {
    ServerPort n1 = tlsServer("dc1", "n1");
    // The members say n2 is at n1's address: the certificate there does not name n2.
    InternalRpc rpc = tlsClient(List.of(alive("n2", n1)), Map.of());

    assertThatThrownBy(() -> call(rpc, "dc1", "n2")).cause().isInstanceOf(ApiException.class)
        .hasMessageContaining("TLS handshake with n2.server.dc1.meshfed via 127.0.0.1:" + n1.localAddress().getPort()
            + " failed");
  }

  @Test
  void anyServerOfAnotherDcIsPinnedToAServerTheWanMembershipKnowsAlive() throws Exception {
    ServerPort remote = tlsServer("dc2", "m1");
    Map<String, List<String>> alive = Map.of("dc2", List.of("m1"), "dc3", List.of("m7"));
    InternalRpc rpc = tlsClient(List.of(), Map.of("dc2", List.of(address(remote)), "dc3", List.of(address(remote))),
        dc -> alive.getOrDefault(dc, List.of()));

    assertThat(call(rpc, "dc2", Dialer.ANY_SERVER)).isEqualTo("dc2/m1");
    // The SNI names the router's node, not "any server": the server there is not m7 of dc3.
    assertThatThrownBy(() -> call(rpc, "dc3", Dialer.ANY_SERVER)).cause().isInstanceOf(ApiException.class)
        .hasMessageContaining("TLS handshake with m7.server.dc3.meshfed");
  }

  @Test
  void anotherDcIsReachedThroughAGatewayWithItsServerName() throws Exception {
    ServerPort remote = tlsServer("dc2", "m1");
    ServerPort wrongDc = tlsServer("dc3", "m1");
    InternalRpc rpc = tlsClient(List.of(), Map.of("dc2", List.of(address(remote)), "dc3", List.of(address(wrongDc)),
        "dc4", List.of(address(remote))));

    assertThat(call(rpc, "dc2", Dialer.ANY_SERVER)).isEqualTo("dc2/m1");
    assertThat(call(rpc, "DC2", "m1")).as("DC names are case-insensitive").isEqualTo("dc2/m1");
    // The server behind dc4's "gateway" is dc2's: its certificate does not name server.dc4.meshfed.
    assertThatThrownBy(() -> call(rpc, "dc4", Dialer.ANY_SERVER)).cause().isInstanceOf(ApiException.class)
        .hasMessageStartingWith("datacenter dc4 did not answer: ")
        .hasMessageContaining("TLS handshake with server.dc4.meshfed");
    assertThatThrownBy(() -> call(rpc, "dc9", Dialer.ANY_SERVER)).cause().isInstanceOf(ApiException.class)
        .hasMessage("No path to datacenter \"dc9\": no mesh gateway is known for it (meshfed.static-gateways)");
  }

  @Test
  void withoutTlsTheDcIsDialedInPlaintextAndOtherDcsNever() throws Exception {
    RpcServer server = whoAmI("dc1", "n1");
    ServerPort n1 = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .plaintextProtocol(WireConstants.TYPE_RPC, (pipeline, info) -> server.pipelineInstaller().accept(pipeline))
        .build());
    open.add(n1);
    RpcClient client = new RpcClient(new PlainConnector(Duration.ofSeconds(5)), RpcClientOptions.defaults());
    open.add(client);
    InternalRpc rpc = new InternalRpc(client, new Dialer("dc1", false, () -> List.of(alive("n1", n1)),
        new StaticGateways(Map.of("dc2", List.of("127.0.0.1:" + n1.localAddress().getPort()))),
        dc -> List.of()));

    assertThat(call(rpc, "dc1", "n1")).isEqualTo("dc1/n1");
    assertThatThrownBy(() -> call(rpc, "dc2", Dialer.ANY_SERVER)).cause().isInstanceOf(ApiException.class)
        .hasMessage("No path to datacenter \"dc2\": cross-DC calls need TLS (meshfed.tls) and are never sent in "
            + "plaintext");
  }

  @Test
  void routedCallsAreTimedByMethodTargetAndOutcomeAndUnroutableOnesAreNot() throws Exception {
    RpcServer server = whoAmI("dc1", "n1");
    ServerPort n1 = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .plaintextProtocol(WireConstants.TYPE_RPC, (pipeline, info) -> server.pipelineInstaller().accept(pipeline))
        .build());
    open.add(n1);
    RpcClient client = new RpcClient(new PlainConnector(Duration.ofSeconds(5)), RpcClientOptions.defaults());
    open.add(client);
    Meters meters = new Meters();
    InternalRpc rpc = new InternalRpc(client, new Dialer("dc1", false, () -> List.of(alive("n1", n1)),
        new StaticGateways(Map.of()), dc -> List.of()), meters);

    assertThat(call(rpc, "dc1", "n1")).isEqualTo("dc1/n1");
    assertThat(call(rpc, "dc1", Dialer.ANY_SERVER)).isEqualTo("dc1/n1");
    assertThatThrownBy(() -> rpc.call("dc1", "n1", "Test.Missing", new byte[0], DEADLINE).toCompletableFuture()
        .get(DEADLINE.toSeconds() + 5, TimeUnit.SECONDS)).cause().isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> call(rpc, "dc2", Dialer.ANY_SERVER)).cause().isInstanceOf(ApiException.class);
    assertThat(meters.scrape())
        .contains("meshfed_internal_rpc_client_duration_seconds_count{datacenter=\"dc1\",method=\"Test.WhoAmI\","
            + "outcome=\"ok\"} 2\n")
        .contains("meshfed_internal_rpc_client_duration_seconds_count{datacenter=\"dc1\",method=\"Test.Missing\","
            + "outcome=\"error\"} 1\n")
        .doesNotContain("datacenter=\"dc2\"");
  }

  private static String call(InternalRpc rpc, String dc, String node) throws Exception {
    byte[] answer = rpc.call(dc, node, WHO, new byte[0], DEADLINE).toCompletableFuture()
        .get(DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
    return new String(answer, StandardCharsets.UTF_8);
  }

  private InternalRpc tlsClient(List<LanMembers.Server> members, Map<String, List<String>> gateways)
      throws Exception {
    return tlsClient(members, gateways, dc -> List.of());
  }

  private InternalRpc tlsClient(List<LanMembers.Server> members, Map<String, List<String>> gateways,
      Function<String, List<String>> remoteServers) throws Exception {
    TlsMaterial material = material("client", CertificateTool.createServerCert(ca, "dc1", "n0", "meshfed",
        Duration.ofDays(30)));
    RpcClient client = new RpcClient(new TlsConnector(TlsSource.of(material).client(WireConstants.ALPN_RPC),
        key -> Dialer.serverName(key, "meshfed"), Duration.ofSeconds(5)), RpcClientOptions.defaults());
    open.add(client);
    return new InternalRpc(client, new Dialer("dc1", true, () -> members,
        new StaticGateways(gateways), remoteServers));
  }

  private ServerPort tlsServer(String dc, String node) throws Exception {
    TlsMaterial material = material(dc + "-" + node,
        CertificateTool.createServerCert(ca, dc, node, "meshfed", Duration.ofDays(30)));
    RpcServer server = whoAmI(dc, node);
    ServerPort port = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .tls(TlsContexts.serverPort(material, List.of(WireConstants.ALPN_RPC)))
        .applicationProtocol(WireConstants.ALPN_RPC, (pipeline, info) -> server.pipelineInstaller().accept(pipeline))
        .build());
    open.add(port);
    return port;
  }

  private static RpcServer whoAmI(String dc, String node) {
    byte[] name = (dc + "/" + node).getBytes(StandardCharsets.UTF_8);
    return RpcServer.builder().unary(WHO, request -> CompletableFuture.completedFuture(name)).build();
  }

  private TlsMaterial material(String name, CertificateTool.Issued cert) throws Exception {
    Path caFile = dir.resolve("ca.pem");
    if (!Files.exists(caFile)) {
      Files.writeString(caFile, ca.certificatePem());
    }
    return TlsMaterial.load(caFile, Files.writeString(dir.resolve(name + ".pem"), cert.certificatePem()),
        Files.writeString(dir.resolve(name + "-key.pem"), cert.privateKeyPem()));
  }

  private static LanMembers.Server alive(String node, ServerPort port) {
    return new LanMembers.Server(node, "127.0.0.1", 1, port.localAddress().getPort(), LanMembers.ALIVE, false);
  }

  private static String address(ServerPort port) {
    return "127.0.0.1:" + port.localAddress().getPort();
  }

  private static int closedPort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
