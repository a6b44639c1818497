package io.meshfed.gateway;

import static io.meshfed.gateway.GatewayTesting.WAIT;
import static io.meshfed.gateway.GatewayTesting.connect;
import static io.meshfed.gateway.GatewayTesting.dc1;
import static io.meshfed.gateway.GatewayTesting.readToEnd;
import static io.meshfed.gateway.GatewayTesting.send;
import static io.meshfed.gateway.GatewayTesting.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.gateway.metrics.AdminClosure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin port's cap and timeouts, with real sockets. */
class GatewayAdminLimitsTest {
  private static final byte[] HEALTH = "GET /health HTTP/1.1\r\nHost: gw\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(400);
  private static final Duration IDLE_TIMEOUT = Duration.ofMillis(800);
  /** Closed "at once", or "within the timeout": well before the socket's own read timeout. */
  private static final int PROMPTLY_MILLIS = 5_000;

  private final List<Socket> held = new ArrayList<>();
  private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void release() throws Exception {
    trickle.shutdownNow();
    for (Socket socket : held) {
      socket.close();
    }
  }

  @Test
  void connectionsOverTheCapAreClosedAtOnceAndAScrapeIsServedOnceThereIsRoom() throws Exception {
    try (MeshGateway gateway = start(settings(dc1(1, Map.of())).admin("127.0.0.1", 0).adminMaxConnections(3)
        .adminRequestTimeout(Duration.ofMinutes(1)))) {
      for (int i = 0; i < 3; i++) {
        held.add(connect(admin(gateway)));
      }
      // The cap counts at accept; a fourth connection proves the three are in.
      awaitRefusal(gateway, 1);
      awaitRefusal(gateway, 2);

      held.remove(0).close();
      await().atMost(WAIT).untilAsserted(() -> {
        try (Socket scrape = connect(admin(gateway))) {
          send(scrape, HEALTH);
          assertThat(readResponse(scrape)).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nok");
        }
      });
      assertThat(gateway.metrics().adminClosures(AdminClosure.LIMIT)).isEqualTo(2);
    }
  }

  @Test
  void aSilentClientIsClosedAfterTheRequestTimeout() throws Exception {
    try (MeshGateway gateway = start(timeouts())) {
      // Before the connect: the gateway's timer starts at accept, which can come before connect() returns.
      long opened = System.nanoTime();
      try (Socket silent = connect(admin(gateway))) {
        assertClosedWithin(silent);
        assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThanOrEqualTo(REQUEST_TIMEOUT);
      }
      await().atMost(WAIT).until(() -> gateway.metrics().adminClosures(AdminClosure.REQUEST_TIMEOUT) == 1);
    }
  }

  @Test
  void aTricklingClientIsClosedAfterTheRequestTimeoutThoughItKeepsSending() throws Exception {
    try (MeshGateway gateway = start(timeouts()); Socket trickler = connect(admin(gateway))) {
      AtomicInteger sent = new AtomicInteger();
      // A byte every 50 ms of a header that never ends.
      byte[] start = "GET /health HTTP/1.1\r\nX-Trickle: ".getBytes(StandardCharsets.US_ASCII);
      trickle.scheduleAtFixedRate(() -> {
        int i = sent.getAndIncrement();
        try {
          trickler.getOutputStream().write(i < start.length ? start[i] : 'a');
        } catch (IOException closed) {
          throw new IllegalStateException("closed by the gateway", closed);
        }
      }, 0, 50, TimeUnit.MILLISECONDS);
      assertClosedWithin(trickler);
      assertThat(sent.get()).as("bytes trickled before the close").isGreaterThan(3);
      await().atMost(WAIT).until(() -> gateway.metrics().adminClosures(AdminClosure.REQUEST_TIMEOUT) == 1);
    }
  }

  @Test
  void aKeptAliveConnectionIsServedAgainAndThenClosedAfterTheIdleTimeout() throws Exception {
    try (MeshGateway gateway = start(timeouts()); Socket kept = connect(admin(gateway))) {
      for (int i = 0; i < 3; i++) {
        send(kept, HEALTH);
        assertThat(readResponse(kept)).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nok");
      }
      long answered = System.nanoTime();
      assertClosedWithin(kept);
      assertThat(Duration.ofNanos(System.nanoTime() - answered)).isGreaterThanOrEqualTo(IDLE_TIMEOUT.minusMillis(50));
      await().atMost(WAIT).until(() -> gateway.metrics().adminClosures(AdminClosure.IDLE_TIMEOUT) == 1);
      assertThat(gateway.metrics().adminClosures(AdminClosure.REQUEST_TIMEOUT)).isZero();
    }
  }

  private void awaitRefusal(MeshGateway gateway, long refused) throws IOException {
    try (Socket extra = connect(admin(gateway))) {
      extra.setSoTimeout(PROMPTLY_MILLIS);
      assertThat(readToEnd(extra)).as("closed unanswered").isEmpty();
    }
    await().atMost(WAIT).until(() -> gateway.metrics().adminClosures(AdminClosure.LIMIT) == refused);
  }

  private static GatewaySettings.Builder timeouts() {
    return settings(dc1(1, Map.of())).admin("127.0.0.1", 0)
        .adminRequestTimeout(REQUEST_TIMEOUT).adminIdleTimeout(IDLE_TIMEOUT);
  }

  private static MeshGateway start(GatewaySettings.Builder settings) throws IOException {
    return MeshGateway.start(settings.build());
  }

  private static InetSocketAddress admin(MeshGateway gateway) {
    return gateway.adminAddress().orElseThrow();
  }

  private static void assertClosedWithin(Socket socket) throws IOException {
    socket.setSoTimeout(PROMPTLY_MILLIS);
    assertThat(readToEnd(socket)).as("closed with nothing sent").isEmpty();
  }

  /** One response to a GET /health: headers and the two-byte body. */
  private static String readResponse(Socket socket) throws IOException {
    ByteArrayOutputStream response = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    while (!response.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\nok")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      response.write(b);
    }
    return response.toString(StandardCharsets.US_ASCII);
  }
}
