package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.assertClosedByGateway;
import static io.meshfed.gateway.GatewayTesting.connect;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.meshfed.gateway.metrics.Outcome;
import io.meshfed.transport.logging.RateLimitedLog;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The gateway's cap on open client connections, over all routes and before any route is known. */
class GatewayConnectionCapTest {
  private static final int CAP = 8;
  private static final int EXCESS = 40;
  /** Closed "at once" means well before the ClientHello timeout would have closed it. */
  private static final int PROMPTLY_MILLIS = 2_000;

  private final Logger logger = (Logger) LoggerFactory.getLogger(MeshGateway.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<Socket> held = new ArrayList<>();

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void release() throws Exception {
    for (Socket socket : held) {
      socket.close();
    }
    logger.detachAppender(logs);
  }

  @Test
  void connectionsOverTheCapAreClosedAtOnceAndAValidClientIsSplicedOnceThereIsRoom() throws Exception {
    TestPki pki = TestPki.create();
    try (TestServer n1 = TestServer.tls(pki.server("n1.server.dc1.meshfed"),
             Conversations.greetAndEcho("n1", new AtomicLong(), new ConcurrentLinkedQueue<>()));
         MeshGateway gateway = MeshGateway.start(settings(dc1(1, Map.of("n1", n1.address())))
             .maxConnections(CAP).clientHelloTimeout(Duration.ofMinutes(1)).build())) {
      // Silent clients, which the gateway would otherwise hold for the whole ClientHello timeout.
      for (int i = 0; i < CAP; i++) {
        held.add(connect(gateway.listenAddress()));
      }
      await().atMost(WAIT).until(() -> gateway.metrics().openConnections() == CAP);

      for (int i = 0; i < EXCESS; i++) {
        try (Socket extra = connect(gateway.listenAddress())) {
          extra.setSoTimeout(PROMPTLY_MILLIS);
          assertClosedByGateway(extra);
        }
      }
      await().atMost(WAIT).until(() -> gateway.metrics().unrouted().total(Outcome.LIMIT) == EXCESS);
      assertThat(gateway.metrics().openConnections()).isEqualTo(CAP);
      assertThat(gateway.metrics().render())
          .contains("meshfed_gateway_connections_total{route=\"none\",outcome=\"limit\"} " + EXCESS + "\n");
      assertThat(warnings()).hasSizeBetween(1, RateLimitedLog.DEFAULT_BURST)
          .allSatisfy(line -> assertThat(line).endsWith("8 client connections open, the gateway's limit (max-connections)"));

      held.remove(0).close();
      await().atMost(WAIT).until(() -> gateway.metrics().openConnections() == CAP - 1);
      try (TlsClient client = TlsClient.connect(gateway.listenAddress(), "n1.server.dc1.meshfed", pki.client())) {
        assertThat(client.greeting()).isEqualTo("n1");
      }
      assertThat(gateway.metrics().route("n1.server.dc1.meshfed").total(Outcome.SPLICED)).isEqualTo(1);
    }
  }

  private List<String> warnings() {
    synchronized (logs) {
      return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}
