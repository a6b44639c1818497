package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.server.config.ServerConfigLoader;
import io.meshfed.server.endpoint.FederationStateEndpoint;
import io.meshfed.protocol.internal.Forwarded;
import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.ListFederationStatesResponse;
import io.meshfed.transport.tls.CertificateTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With TLS configured the DC's servers talk Artery over TLS with their own certificates:
 * servers with certificates from the DC's CA form the cluster; a server whose certificate comes
 * from another CA never gets in.
 */
class LanTlsTest {
  @TempDir Path dir;
  private final List<MeshfedServer> servers = new ArrayList<>();

  /**
   * Last started, first stopped: the stranger goes before the DC it keeps trying to join. On a
   * loaded machine one of a member's TLS streams to the other member may then never end when it
   * stops, which Artery waits for without a deadline; the server's own deadline
   * ({@link RemotingStopDeadline}, tested by RemotingStopDeadlineTest) ends it, so the stop takes
   * a few seconds longer and TestServers.stop's 60 s are never reached.
   */
  @AfterEach
  void stop() throws Exception {
    for (int i = servers.size() - 1; i >= 0; i--) {
      TestServers.stop(servers.get(i));
    }
  }

  @Test
  void serversOfTheSameCaFormTheDcAndAStrangerCannotJoin() throws Exception {
    Map<String, Object> pg = TestServers.postgres();
    CertificateTool.Issued ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    CertificateTool.Issued otherCa = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    List<Integer> lan = List.of(TestServers.freePort(), TestServers.freePort(), TestServers.freePort());
    // The DC is n1 and n2. Only the lowest seed may form a new cluster, so the stranger is not a
    // seed of theirs: it only knows them.
    List<String> seeds = List.of("127.0.0.1:" + lan.get(0), "127.0.0.1:" + lan.get(1));

    servers.add(start(pg, "n1", lan.get(0), seeds, ca));
    servers.add(start(pg, "n2", lan.get(1), seeds, ca));
    Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(alive(servers.get(0))).containsExactlyInAnyOrder("n1", "n2");
      assertThat(alive(servers.get(1))).containsExactlyInAnyOrder("n1", "n2");
    });

    // Internal RPC between the DC's servers: dialed by node name at the member's server port, over
    // TLS verified against n2.server.lantls.meshfed.
    byte[] list = Forwarded.newBuilder().setRequest(ListFederationStatesRequest.getDefaultInstance().toByteString())
        .build().toByteArray();
    byte[] answer = servers.get(0).internalRpc().call("lantls", "n2", FederationStateEndpoint.LIST, list,
        Duration.ofSeconds(10)).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(ListFederationStatesResponse.parseFrom(answer).getMeta().getIndex()).isPositive();

    MeshfedServer stranger = start(pg, "n3", lan.get(2), seeds, otherCa);
    servers.add(stranger);
    // Its TLS handshakes fail both ways, so it is never a member; the DC carries on without it.
    Awaitility.await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(alive(servers.get(0))).containsExactlyInAnyOrder("n1", "n2"));
    assertThat(TestServers.get(stranger, "/v1/internal/federation-states", null).statusCode()).isEqualTo(503);
  }

  private MeshfedServer start(Map<String, Object> pg, String node, int lanPort, List<String> seeds, CertificateTool.Issued ca)
      throws Exception {
    CertificateTool.Issued cert = CertificateTool.createServerCert(ca, "lantls", node, "meshfed", Duration.ofDays(30));
    Map<String, Object> o = new HashMap<>(pg);
    o.put("datacenter", "lantls");
    o.put("primary-datacenter", "lantls");
    o.put("node-name", node);
    o.put("data-dir", dir.resolve(node).toString());
    o.put("ports.lan", lanPort);
    o.put("retry-join", seeds);
    o.put("bootstrap-expect", 2);
    o.put("lan.failure-timeout", "2s");
    o.put("tls.ca-file", Files.writeString(dir.resolve(node + "-ca.pem"), ca.certificatePem()).toString());
    o.put("tls.cert-file", Files.writeString(dir.resolve(node + ".pem"), cert.certificatePem()).toString());
    o.put("tls.key-file", Files.writeString(dir.resolve(node + "-key.pem"), cert.privateKeyPem()).toString());
    return MeshfedServer.start(ServerConfigLoader.load(Optional.empty(), true, o));
  }

  private static List<String> alive(MeshfedServer s) throws Exception {
    List<String> names = new ArrayList<>();
    for (JsonNode m : TestServers.json(TestServers.get(s, "/v1/agent/members", null))) {
      if (m.get("Status").asText().equals("alive")) {
        names.add(m.get("Name").asText());
      }
    }
    return names;
  }

}
