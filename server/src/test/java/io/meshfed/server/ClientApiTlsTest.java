package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.protocol.v1.ListFederationStatesRequest;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.transport.tls.CertificateTool;
import io.meshfed.transport.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client APIs over TLS (meshfed.ports.https and grpc-tls), with real certificates, curl and a
 * gRPC client: the server's certificate verified against the CA, client certificates required
 * where {@code verify-incoming} says so and refused when missing, foreign or expired, and plain
 * text on a TLS port (and the reverse) answered with one clear error while valid clients go on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientApiTlsTest {
  @TempDir static Path dir;
  private MeshfedServer strict;
  private MeshfedServer open;
  private ActorSystem<Void> clientSystem;

  @BeforeAll
  void start() throws Exception {
    CertificateTool.Issued ca = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    CertificateTool.Issued foreignCa = CertificateTool.createCa("meshfed", Duration.ofDays(30));
    write("ca", ca);
    write("n1", CertificateTool.createServerCert(ca, "dc1", "n1", "meshfed", Duration.ofDays(30)));
    write("client", CertificateTool.createClientCert(ca, "dc1", "meshfed", Duration.ofDays(30)));
    write("foreign", CertificateTool.createClientCert(foreignCa, "dc1", "meshfed", Duration.ofDays(30)));
    Instant past = Instant.now().minus(Duration.ofDays(2));
    write("expired", CertificateTool.issue(ca, new CertificateTool.LeafSpec("client.dc1.meshfed", List.of(), List.of(),
        List.of(CertificateTool.Purpose.CLIENT_AUTH), past, past.plus(Duration.ofDays(1)))));
    // strict: both TLS ports require a client certificate; open: HTTPS requires none.
    strict = TestServers.start(dir.resolve("strict"), tlsOptions(true));
    open = TestServers.start(dir.resolve("open"), tlsOptions(false));
    clientSystem = ActorSystem.create(Behaviors.empty(), "grpc-tls-client");
  }

  @AfterAll
  void stop() throws Exception {
    clientSystem.terminate();
    clientSystem.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    TestServers.stop(strict);
    TestServers.stop(open);
  }

  @Test
  void curlReadsTheApiOverHttpsWithAClientCertificateWhereOneIsRequired() throws Exception {
    assertThat(strict.readyLine()).contains(", HTTPS 127.0.0.1:" + port(strict.httpsAddress()))
        .contains(", gRPC TLS 127.0.0.1:" + port(strict.grpcTlsAddress()));
    Curl ok = curl(strict, "--cacert", pem("ca"), "--cert", pem("client"), "--key", pem("client-key"));
    assertThat(ok.exit()).as(ok.toString()).isZero();
    assertThat(ok.out()).startsWith("200 ").contains("\"Datacenter\":\"dc1\"");

    // No certificate, one from another CA, an expired one: the handshake fails; nothing is read.
    for (String[] client : List.of(new String[] {}, new String[] {"--cert", pem("foreign"), "--key", pem("foreign-key")},
        new String[] {"--cert", pem("expired"), "--key", pem("expired-key")})) {
      List<String> args = new ArrayList<>(List.of("--cacert", pem("ca")));
      args.addAll(List.of(client));
      Curl refused = curl(strict, args.toArray(String[]::new));
      assertThat(refused.exit()).as(refused.toString()).isNotZero();
      assertThat(refused.out()).as(refused.toString()).doesNotContain("Datacenter");
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metrics(strict))
        .containsPattern("meshfed_api_connections_closed_total\\{api=\"https\",reason=\"tls\"} [3-9]"));
  }

  @Test
  void curlNeedsOnlyTheCaWhereNoClientCertificateIsRequired() throws Exception {
    Curl ok = curl(open, "--cacert", pem("ca"));
    assertThat(ok.exit()).as(ok.toString()).isZero();
    assertThat(ok.out()).startsWith("200 ");
    // Without the CA, curl cannot verify the server and stops (exit 60).
    Curl unverified = curl(open);
    assertThat(unverified.exit()).as(unverified.toString()).isEqualTo(60);
  }

  @Test
  void plainTextOnATlsPortAndTlsOnAPlainTextPortGetOneClearError() throws Exception {
    String https = open.httpsAddress().orElseThrow();
    Curl plain = curlUrl("http://" + https + "/v1/internal/federation-states");
    assertThat(plain.out()).startsWith("400 ").contains("Client sent an HTTP request to an HTTPS server")
        .contains("meshfed.ports.https");
    Curl tlsToPlain = curlUrl("https://" + open.httpAddress() + "/v1/internal/federation-states", "--cacert",
        pem("ca"));
    assertThat(tlsToPlain.exit()).as(tlsToPlain.toString()).isEqualTo(35);
    // Bytes that are neither TLS nor HTTP: closed without a word.
    try (Socket socket = new Socket()) {
      socket.connect(address(https), 5000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(new byte[] {0, 1, 2, 3});
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(curl(open, "--cacert", pem("ca")).out()).startsWith("200 ");
  }

  @Test
  void grpcOverTlsNeedsTheClientCertificateTheServerRequires() throws Exception {
    FederationStateServiceClient withCertificate = grpcClient(Optional.of(pem("client")));
    try {
      var list = withCertificate.list(ListFederationStatesRequest.getDefaultInstance()).toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      assertThat(list.getStatesList()).extracting(s -> s.getDatacenter()).contains("dc1");
    } finally {
      withCertificate.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    // The handshake itself refuses a client without one: no request is ever decoded.
    SSLContext noCertificate = TlsContexts.apiClient(Optional.of(Path.of(pem("ca"))), Optional.empty(),
        Optional.empty());
    InetSocketAddress grpcTls = address(strict.grpcTlsAddress().orElseThrow());
    try (SSLSocket socket = (SSLSocket) noCertificate.getSocketFactory().createSocket()) {
      socket.connect(grpcTls, 5000);
      socket.setSoTimeout(10_000);
      var parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(parameters);
      // TLS 1.3 reports a refused client certificate on the first read after the handshake.
      assertThatThrownBy(() -> {
        socket.startHandshake();
        socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        if (socket.getInputStream().read() < 0) {
          throw new IOException("closed");
        }
      }).isInstanceOf(IOException.class);
    }
  }

  @Test
  void aFloodOfPlainTextAndGarbageOnTheHttpsPortLeavesItServing() throws Exception {
    InetSocketAddress https = address(open.httpsAddress().orElseThrow());
    List<CompletableFuture<Void>> flood = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] bytes = i % 2 == 0 ? "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)
          : new byte[] {22, 3, 1, 0, 5, 1, 2, 3, 4, 5, 6, 7};
      flood.add(CompletableFuture.runAsync(() -> {
        try (Socket socket = new Socket()) {
          socket.connect(https, 5000);
          socket.setSoTimeout(15_000);
          OutputStream out = socket.getOutputStream();
          out.write(bytes);
          InputStream in = socket.getInputStream();
          while (in.read() >= 0) {
            // read to the server's close
          }
        } catch (IOException e) {
          // a reset is a close too
        }
      }));
    }
    CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertThat(curl(open, "--cacert", pem("ca")).out()).startsWith("200 ");
    assertThat(metrics(open)).containsPattern("meshfed_api_bad_requests_total\\{api=\"https\"} (1\\d\\d|[2-9]\\d\\d)")
        .containsPattern("meshfed_api_connections_closed_total\\{api=\"https\",reason=\"tls\"} [1-9]");
    // curl's own connection is counted until the server has seen it close.
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(metrics(open)).contains("meshfed_api_connections_open{api=\"https\"} 0"));
  }

  private Map<String, Object> tlsOptions(boolean requireClientCertificates) {
    Map<String, Object> o = new HashMap<>();
    o.put("tls.ca-file", pem("ca"));
    o.put("tls.cert-file", pem("n1"));
    o.put("tls.key-file", pem("n1-key"));
    o.put("ports.https", 0);
    o.put("ports.grpc-tls", 0);
    o.put("tls.https.verify-incoming", requireClientCertificates);
    o.put("tls.grpc.verify-incoming", requireClientCertificates);
    return o;
  }

  private FederationStateServiceClient grpcClient(Optional<String> certificate) {
    SSLContext context = TlsContexts.apiClient(Optional.of(Path.of(pem("ca"))), certificate.map(Path::of),
        certificate.map(c -> Path.of(c.replace(".pem", "-key.pem"))));
    InetSocketAddress at = address(strict.grpcTlsAddress().orElseThrow());
    return FederationStateServiceClient.create(GrpcClientSettings.connectToServiceAt(at.getHostString(), at.getPort(),
        clientSystem).withTls(true).withSslContext(context), clientSystem);
  }

  private static void write(String name, CertificateTool.Issued issued) throws IOException {
    Files.writeString(dir.resolve(name + ".pem"), issued.certificatePem());
    Files.writeString(dir.resolve(name + "-key.pem"), issued.privateKeyPem());
  }

  private static String pem(String name) {
    return dir.resolve(name + ".pem").toString();
  }

  private static int port(Optional<String> address) {
    return address(address.orElseThrow()).getPort();
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static String metrics(MeshfedServer server) throws Exception {
    return TestServers.get(server, "/v1/agent/metrics", null).body();
  }

  record Curl(int exit, String out) {}

  private static Curl curl(MeshfedServer server, String... options) throws Exception {
    return curlUrl("https://" + server.httpsAddress().orElseThrow() + "/v1/internal/federation-states", options);
  }

  /** Debian's curl; {@code out} is the status code (000 when none), a space, then the body or curl's error. */
  private static Curl curlUrl(String url, String... options) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}"));
    cmd.addAll(List.of(options));
    cmd.add(url);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    int status = out.lastIndexOf('\n');
    return new Curl(p.exitValue(), out.substring(status + 1) + " " + out.substring(0, status));
  }
}
