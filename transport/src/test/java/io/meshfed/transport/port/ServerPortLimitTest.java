package io.meshfed.transport.port;

import static io.meshfed.protocol.names.WireConstants.TYPE_RPC;
import static io.meshfed.transport.port.PortAssertions.WAIT;
import static io.meshfed.transport.port.PortAssertions.assertClosedByServer;
import static io.meshfed.transport.port.PortAssertions.connect;
import static io.meshfed.transport.port.PortAssertions.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.transport.logging.RateLimitedLog;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cap on open connections, with real sockets: the excess is closed at once, unread. */
class ServerPortLimitTest {
  private static final int LIMIT = 20;
  private static final int EXCESS = 30;
  /** Closed "at once" means well before any timeout of the port would have closed it. */
  private static final int PROMPTLY_MILLIS = 2_000;

  private final RecordingProtocol rpc = new RecordingProtocol("rpc");
  private final List<Socket> held = new ArrayList<>();
  private LogCapture logs;
  private ServerPort port;

  @BeforeEach
  void start() throws Exception {
    logs = new LogCapture();
    port = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .plaintextProtocol(TYPE_RPC, rpc)
        .handshakeTimeout(Duration.ofMinutes(1))
        .maxConnections(LIMIT)
        .build());
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket socket : held) {
      socket.close();
    }
    port.close();
    logs.close();
  }

  @Test
  void connectionsOverTheLimitAreClosedAtOnceAndAValidClientIsServedOnceThereIsRoom() throws Exception {
    // Silent clients: without the limit the port would hold each for the whole handshake timeout.
    for (int i = 0; i < LIMIT; i++) {
      held.add(connect(port.localAddress()));
    }
    await().atMost(WAIT).until(() -> port.stats().openConnections() == LIMIT);

    for (int i = 0; i < EXCESS; i++) {
      try (Socket extra = connect(port.localAddress())) {
        extra.setSoTimeout(PROMPTLY_MILLIS);
        assertClosedByServer(extra);
      }
    }
    await().atMost(WAIT).until(() -> port.stats().refused(RefusalReason.CONNECTION_LIMIT) == EXCESS);
    assertThat(port.stats().refusedTotal()).isEqualTo(EXCESS);
    assertThat(port.stats().openConnections()).isEqualTo(LIMIT);
    assertThat(logs.warnings()).hasSizeBetween(1, RateLimitedLog.DEFAULT_BURST)
        .allSatisfy(e -> assertThat(e.getFormattedMessage()).endsWith("20 connections open, the port's limit"));

    held.remove(0).close();
    await().atMost(WAIT).until(() -> port.stats().openConnections() == LIMIT - 1);
    try (Socket valid = connect(port.localAddress())) {
      write(valid, TYPE_RPC, (byte) 'x');
      assertThat(valid.getInputStream().read()).as("echoed").isEqualTo('x');
    }
    assertThat(port.stats().dispatched()).isEqualTo(1);
    assertThat(port.stats().refusedTotal()).isEqualTo(EXCESS);
  }

  @Test
  void theLimitIsChecked() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ServerPortSettings.builder("127.0.0.1", 0).plaintextProtocol(TYPE_RPC, rpc).maxConnections(0).build())
        .hasMessage("max connections must be at least 1: 0");
  }
}
