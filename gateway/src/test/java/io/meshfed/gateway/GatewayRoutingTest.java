package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.settings;
import static io.meshfed.gateway.GatewayTesting.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.route.RouteTableBuilder;
import io.meshfed.gateway.route.RoutingInputs;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which SNI names go where (docs/gateway.md, "Routing rules"), with real TLS clients and servers. */
class GatewayRoutingTest {
  private static TestPki pki;
  private static TestServer n1;
  private static TestServer n9;

  @BeforeAll
  static void servers() throws Exception {
    pki = TestPki.create();
    n1 = TestServer.tls(pki.server("n1.server.dc1.meshfed", "server.dc1.meshfed"), greeter("n1"));
    n9 = TestServer.tls(pki.server("n9.server.dc2.meshfed", "server.dc2.meshfed"), greeter("n9"));
  }

  @AfterAll
  static void stop() throws IOException {
    n1.close();
    n9.close();
  }

  @Test
  void localServersByNameAndAsAnyServer() throws Exception {
    try (MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", n1.address()))).build())) {
      assertThat(greeting(gateway, "n1.server.dc1.meshfed")).isEqualTo("n1");
      assertThat(greeting(gateway, "server.dc1.meshfed")).isEqualTo("n1");
      assertThat(gateway.metrics().route("n1.server.dc1.meshfed").total(Outcome.SPLICED)).isEqualTo(1);
      assertThat(gateway.metrics().route("server.dc1.meshfed").total(Outcome.SPLICED)).isEqualTo(1);
    }
  }

  @Test
  void remoteDcNamesGoThroughThatDcsGateway() throws Exception {
    try (MeshGateway dc2 = MeshGateway.start(settings(table(1, "dc2", Map.of("n9", n9.address()), Map.of())).build());
         MeshGateway dc1 = MeshGateway.start(settings(table(1, "dc1", Map.of("n1", n1.address()),
             Map.of("dc2", List.of(dc2.listenAddress())))).build())) {
      assertThat(greeting(dc1, "n9.server.dc2.meshfed")).isEqualTo("n9");
      assertThat(greeting(dc1, "server.dc2.meshfed")).isEqualTo("n9");
      assertThat(dc1.metrics().route("server.dc2.meshfed").total(Outcome.SPLICED)).isEqualTo(2);
      assertThat(dc2.metrics().route("n9.server.dc2.meshfed").total(Outcome.SPLICED)).isEqualTo(1);
      assertThat(dc2.metrics().route("server.dc2.meshfed").total(Outcome.SPLICED)).isEqualTo(1);
    }
  }

  @Test
  void aGatewayThatDoesNotExposeItsServersRoutesOnlyOtherDcs() throws Exception {
    int before = n1.accepted();
    try (MeshGateway dc2 = MeshGateway.start(settings(table(1, "dc2", Map.of("n9", n9.address()), Map.of())).build());
         MeshGateway dc1 = MeshGateway.start(settings(RouteTableBuilder.build(1, new RoutingInputs("dc1",
             GatewayTesting.DOMAIN, false, Map.of("n1", n1.address()), Map.of("dc2", List.of(dc2.listenAddress())))))
             .build())) {
      for (String name : List.of("n1.server.dc1.meshfed", "server.dc1.meshfed")) {
        assertThatThrownBy(() -> TlsClient.connect(dc1.listenAddress(), name, pki.client()).close())
            .as(name).isInstanceOf(IOException.class);
      }
      assertThat(dc1.metrics().unknownSni()).isEqualTo(2);
      assertThat(greeting(dc1, "n9.server.dc2.meshfed")).isEqualTo("n9");
      assertThat(dc1.metrics().route("server.dc2.meshfed").total(Outcome.SPLICED)).isEqualTo(1);
    }
    assertThat(n1.accepted()).isEqualTo(before);
  }

  @Test
  void unknownSniIsClosedAndCounted() throws Exception {
    try (MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", n1.address()))).build())) {
      for (String name : List.of("n2.server.dc1.meshfed", "server.dc7.meshfed", "example.com")) {
        assertThatThrownBy(() -> TlsClient.connect(gateway.listenAddress(), name, pki.client()).close())
            .as(name).isInstanceOf(IOException.class);
      }
      assertThat(gateway.metrics().unknownSni()).isEqualTo(3);
      assertThat(gateway.metrics().unrouted().total(Outcome.UNKNOWN_SNI)).isEqualTo(3);
      assertThat(gateway.metrics().render())
          .contains("meshfed_gateway_unknown_sni_total 3\n")
          .doesNotContain("example.com", "dc7");
    }
  }

  @Test
  void aClientWithoutSniIsClosedAndCounted() throws Exception {
    int before = n1.accepted();
    try (MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", n1.address()))).build());
         Socket tcp = GatewayTesting.connect(gateway.listenAddress())) {
      // The JDK sends no server_name for an IP address.
      SSLSocket tls = (SSLSocket) pki.client().getSocketFactory()
          .createSocket(tcp, "127.0.0.1", gateway.listenAddress().getPort(), true);
      assertThatThrownBy(tls::startHandshake).isInstanceOf(IOException.class);
      await().atMost(WAIT).until(() -> gateway.metrics().unrouted().total(Outcome.NO_SNI) == 1);
    }
    assertThat(n1.accepted()).isEqualTo(before);
  }

  @Test
  void opensslClientThroughTheGatewayVerifiesTheServerItNamed(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), pki.caPem());
    try (MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", n1.address()))).build())) {
      Process openssl = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.listenAddress().getPort(),
          "-servername", "n1.server.dc1.meshfed", "-verify_hostname", "n1.server.dc1.meshfed", "-CAfile", ca.toString(),
          "-verify_return_error")
          .redirectErrorStream(true).start();
      openssl.getOutputStream().close();
      assertThat(openssl.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      String output = new String(openssl.getInputStream().readAllBytes());
      assertThat(output).contains("Verify return code: 0 (ok)");
      assertThat(gateway.metrics().route("n1.server.dc1.meshfed").total(Outcome.SPLICED)).isEqualTo(1);
    }
  }

  private static String greeting(MeshGateway gateway, String sni) throws Exception {
    try (TlsClient client = TlsClient.connect(gateway.listenAddress(), sni, pki.client())) {
      return client.greeting();
    }
  }

  private static TestServer.Conversation greeter(String name) {
    return Conversations.greetAndEcho(name, new AtomicLong(), new ConcurrentLinkedQueue<>());
  }
}
