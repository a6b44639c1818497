package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.deadAddress;
import static io.meshfed.gateway.GatewayTesting.gatewayThreads;
import static io.meshfed.gateway.GatewayTesting.readToEnd;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.meshfed.gateway.control.GatewayProcess;
import io.meshfed.gateway.control.LocalServerCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Stopping a gateway process drains it: after deregistering (here there is nothing to deregister:
 * no {@code --register}) it keeps relaying and accepting until its last client connection closes or
 * the drain timeout passes, then stops and leaves no thread behind.
 */
class GatewayDrainTest {
  private static final String SNI = "n1.server.dc1.meshfed";
  /** Well below {@link GatewayTesting#WAIT}, the drain timeout of the test that must not reach it. */
  private static final Duration PROMPTLY = Duration.ofSeconds(3);

  private final Logger logger = (Logger) LoggerFactory.getLogger(MeshGateway.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Set<Thread> before;
  private TestPki pki;
  private TestServer n1;

  @BeforeEach
  void start() throws Exception {
    logs.start();
    logger.addAppender(logs);
    // The drain's lines are INFO; the tests' root level is WARN.
    logger.setLevel(Level.INFO);
    pki = TestPki.create();
    n1 = TestServer.tls(pki.server(SNI), Conversations.greetAndEcho("n1", new AtomicLong(), new ConcurrentLinkedQueue<>()));
  }

  @AfterEach
  void stop() throws IOException {
    logger.detachAppender(logs);
    logger.setLevel(null);
    n1.close();
  }

  @Test
  void closeKeepsRelayingAndAcceptingUntilTheLastConnectionCloses() throws Exception {
    GatewayProcess process = start(WAIT);
    TlsClient open = TlsClient.connect(process.gateway().listenAddress(), SNI, pki.client());
    assertThat(open.greeting()).isEqualTo("n1");

    Thread closing = closeInBackground(process);
    await().atMost(WAIT).until(() -> logged("gateway: draining: 1 connections open, stopping when they close or in 20 s"));

    exchange(open, "still relayed both ways while draining");
    try (TlsClient late = TlsClient.connect(process.gateway().listenAddress(), SNI, pki.client())) {
      assertThat(late.greeting()).as("a new connection is accepted and spliced while draining").isEqualTo("n1");
      exchange(late, "a late one relays too");
    }
    exchange(open, "the first one still relays");
    assertThat(closing.isAlive()).as("close() waits for the open connection").isTrue();

    long closedAt = System.nanoTime();
    open.close();
    closing.join(PROMPTLY.toMillis());
    assertThat(closing.isAlive()).as("close() returns once the last connection has closed").isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isLessThan(PROMPTLY);
    assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).matches("gateway: drained in \\d+\\.\\d s"));
    assertNothingLeft();
  }

  @Test
  void atTheDrainTimeoutCloseCutsWhatIsStillOpen() throws Exception {
    Duration timeout = Duration.ofMillis(500);
    GatewayProcess process = start(timeout);
    try (TlsClient open = TlsClient.connect(process.gateway().listenAddress(), SNI, pki.client())) {
      assertThat(open.greeting()).isEqualTo("n1");

      long start = System.nanoTime();
      process.close();

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(timeout);
      assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).contains(
          "gateway: draining: 1 connections open, stopping when they close or in 0.5 s",
          "gateway: drain timeout: closing 1 connections");
      assertThat(readToEnd(open.socket())).as("the connection was closed by the gateway").isEmpty();
    }
    assertNothingLeft();
  }

  @Test
  void aZeroDrainTimeoutStopsAtOnceAndSaysNothingOfADrain() throws Exception {
    GatewayProcess process = start(Duration.ZERO);
    try (TlsClient open = TlsClient.connect(process.gateway().listenAddress(), SNI, pki.client())) {
      assertThat(open.greeting()).isEqualTo("n1");
      process.close();
      assertThat(readToEnd(open.socket())).isEmpty();
    }
    assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains("drain"));
    assertNothingLeft();
  }

  /** A process whose local server is down: its routes stay the initial table, and it has no registration. */
  private GatewayProcess start(Duration drainTimeout) throws Exception {
    // Here, not at construction: the test method may run on a thread of its own (the JUnit timeout's).
    before = Set.copyOf(Thread.getAllStackTraces().keySet());
    InetSocketAddress server = deadAddress();
    return GatewayProcess.start(settings(dc1(1, Map.of("n1", n1.address()))).drainTimeout(drainTimeout).build(),
        new GatewayProcess.Control("dc1", GatewayTesting.DOMAIN, "127.0.0.1", server.getPort(),
            LocalServerCredentials.load(Optional.empty(), "", Optional.empty(), Clock.systemUTC()), Optional.empty()));
  }

  private static Thread closeInBackground(GatewayProcess process) {
    Thread closing = new Thread(process::close, "test-gateway-close");
    closing.start();
    return closing;
  }

  private static void exchange(TlsClient client, String text) throws IOException {
    byte[] line = (text + "\n").getBytes(StandardCharsets.US_ASCII);
    client.socket().getOutputStream().write(line);
    client.socket().getOutputStream().flush();
    assertThat(new String(client.socket().getInputStream().readNBytes(line.length), StandardCharsets.US_ASCII))
        .isEqualTo(text + "\n");
  }

  private boolean logged(String message) {
    return logs.list.stream().anyMatch(e -> e.getFormattedMessage().equals(message));
  }

  /** No gateway thread, nor any other started since the test began (the gRPC client's included). */
  private void assertNothingLeft() {
    await().atMost(WAIT).untilAsserted(() -> assertThat(gatewayThreads()).isEmpty());
    await().atMost(WAIT).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !before.contains(t)).map(Thread::getName)
        .filter(name -> !name.startsWith("awaitility") && !name.startsWith("test-upstream"))).isEmpty());
  }
}
