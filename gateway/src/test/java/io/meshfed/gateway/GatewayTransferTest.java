package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.gateway.metrics.Direction;
import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.gateway.metrics.RouteStats;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real TLS end to end through the gateway: bulk data intact, table swaps harmless. On epoll and NIO. */
class GatewayTransferTest {
  private static final String N1 = "n1.server.dc1.meshfed";
  private static final long MEGABYTE = 1024 * 1024;

  private static TestPki pki;
  private static SSLContext n1Context;

  @BeforeAll
  static void pki() throws Exception {
    pki = TestPki.create();
    n1Context = pki.server(N1, "server.dc1.meshfed");
  }

  @ParameterizedTest
  @EnumSource(names = {"EPOLL", "NIO"})
  void hundredMegabytesEachWayArriveIntact(GatewayTransport transport) throws Exception {
    AtomicLong received = new AtomicLong();
    Queue<String> digests = new ConcurrentLinkedQueue<>();
    try (TestServer n1 = TestServer.tls(n1Context, Conversations.greetAndEcho("n1", received, digests));
         MeshGateway gateway = GatewayTesting.start(transport, settings(dc1(1, Map.of("n1", n1.address()))));
         TlsClient client = TlsClient.connect(gateway.listenAddress(), N1, pki.client())) {
      assertThat(client.greeting()).isEqualTo("n1");

      TlsClient.Transfer transfer = client.echo(100 * MEGABYTE);

      assertThat(transfer.receivedBytes()).isEqualTo(100 * MEGABYTE);
      assertThat(transfer.receivedSha256()).as("upstream → client").isEqualTo(transfer.sentSha256());
      await().atMost(WAIT).until(() -> !digests.isEmpty());
      assertThat(digests.poll()).as("client → upstream").isEqualTo(transfer.sentSha256());
      RouteStats stats = gateway.metrics().route(N1);
      assertThat(stats.total(Outcome.SPLICED)).isEqualTo(1);
      // TLS adds record overhead on top of the payload, so at least the payload went each way.
      assertThat(stats.bytes(Direction.DOWNSTREAM_TO_UPSTREAM).sum()).isGreaterThan(100 * MEGABYTE);
      assertThat(stats.bytes(Direction.UPSTREAM_TO_DOWNSTREAM).sum()).isGreaterThan(100 * MEGABYTE);
      assertThat(n1.failures()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"EPOLL", "NIO"})
  void aTableSwapDuringATransferBreaksNothingAndNewConnectionsFollowTheNewTable(GatewayTransport transport)
      throws Exception {
    AtomicLong oldReceived = new AtomicLong();
    Queue<String> oldDigests = new ConcurrentLinkedQueue<>();
    try (TestServer old = TestServer.tls(n1Context, Conversations.greetAndEcho("old", oldReceived, oldDigests));
         TestServer replacement = TestServer.tls(n1Context,
             Conversations.greetAndEcho("new", new AtomicLong(), new ConcurrentLinkedQueue<>()));
         MeshGateway gateway = GatewayTesting.start(transport, settings(dc1(1, Map.of("n1", old.address()))));
         TlsClient during = TlsClient.connect(gateway.listenAddress(), N1, pki.client())) {
      assertThat(during.greeting()).isEqualTo("old");
      CountDownLatch resume = new CountDownLatch(1);
      CompletableFuture<TlsClient.Transfer> transfer = CompletableFuture.supplyAsync(() -> {
        try {
          return during.echo(16 * MEGABYTE, 8 * MEGABYTE, resume);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      await().atMost(WAIT).until(() -> oldReceived.get() >= 8 * MEGABYTE);

      gateway.updateRoutes(dc1(2, Map.of("n1", replacement.address())));
      try (TlsClient after = TlsClient.connect(gateway.listenAddress(), N1, pki.client())) {
        assertThat(after.greeting()).isEqualTo("new");
      }
      resume.countDown();

      TlsClient.Transfer done = transfer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(done.receivedBytes()).isEqualTo(16 * MEGABYTE);
      assertThat(done.receivedSha256()).isEqualTo(done.sentSha256());
      await().atMost(WAIT).until(() -> !oldDigests.isEmpty());
      assertThat(oldDigests.poll()).isEqualTo(done.sentSha256());
      assertThat(gateway.routes().version()).isEqualTo(2);
      assertThat(gateway.metrics().route(N1).total(Outcome.SPLICED)).isEqualTo(2);
    }
  }
}
