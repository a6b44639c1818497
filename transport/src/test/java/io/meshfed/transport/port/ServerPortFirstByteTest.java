package io.meshfed.transport.port;

import static io.meshfed.protocol.names.WireConstants.TYPE_RPC;
import static io.meshfed.protocol.names.WireConstants.TYPE_WAN_GOSSIP_PACKET;
import static io.meshfed.protocol.names.WireConstants.TYPE_WAN_GOSSIP_STREAM;
import static io.meshfed.transport.port.PortAssertions.WAIT;
import static io.meshfed.transport.port.PortAssertions.assertClosedByServer;
import static io.meshfed.transport.port.PortAssertions.assertRefusedOnce;
import static io.meshfed.transport.port.PortAssertions.connect;
import static io.meshfed.transport.port.PortAssertions.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The plaintext side of the first-byte decision: a port without TLS (dev mode, same DC). */
class ServerPortFirstByteTest {
  /** Short, for the tests of the timeout; the others keep the default so a slow machine passes. */
  private static final Duration SHORT_HANDSHAKE_TIMEOUT = Duration.ofMillis(300);

  private final RecordingProtocol rpc = new RecordingProtocol("rpc");
  private final RecordingProtocol gossipPacket = new RecordingProtocol("gossip-packet");
  private final RecordingProtocol gossipStream = new RecordingProtocol("gossip-stream");
  private final Map<Byte, RecordingProtocol> byType =
      Map.of(TYPE_RPC, rpc, TYPE_WAN_GOSSIP_PACKET, gossipPacket, TYPE_WAN_GOSSIP_STREAM, gossipStream);
  private LogCapture logs;
  private ServerPort port;

  @BeforeEach
  void start() throws Exception {
    logs = new LogCapture();
    port = ServerPort.start(settings(ServerPortSettings.DEFAULT_HANDSHAKE_TIMEOUT));
  }

  private ServerPortSettings settings(Duration handshakeTimeout) {
    ServerPortSettings.Builder settings = ServerPortSettings.builder("127.0.0.1", 0)
        .handshakeTimeout(handshakeTimeout);
    byType.forEach(settings::plaintextProtocol);
    return settings.build();
  }

  private void restartWithShortHandshakeTimeout() throws Exception {
    port.close();
    port = ServerPort.start(settings(SHORT_HANDSHAKE_TIMEOUT));
  }

  @AfterEach
  void stop() {
    port.close();
    logs.close();
  }

  @ParameterizedTest(name = "type byte {0}")
  @ValueSource(bytes = {TYPE_RPC, TYPE_WAN_GOSSIP_PACKET, TYPE_WAN_GOSSIP_STREAM})
  void typeByteAndPayloadInOneWriteReachTheirHandlerIntact(byte type) throws Exception {
    byte[] payload = payload(64 * 1024);
    byte[] packet = new byte[payload.length + 1];
    packet[0] = type;
    System.arraycopy(payload, 0, packet, 1, payload.length);
    try (Socket socket = connect(port.localAddress())) {
      write(socket, packet);
      assertThat(socket.getInputStream().readNBytes(payload.length)).isEqualTo(payload);
    }
    RecordingProtocol expected = byType.get(type);
    assertThat(expected.connections.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS))
        .satisfies(info -> {
          assertThat(info.isTls()).isFalse();
          assertThat(info.remoteAddress().getAddress().isLoopbackAddress()).isTrue();
          assertThat(info.serverName()).isEmpty();
          assertThat(info.peerCertificate()).isEmpty();
        });
    byType.values().stream().filter(p -> p != expected)
        .forEach(other -> assertThat(other.connections).as(other.name).isEmpty());
    assertThat(port.stats().dispatched()).isEqualTo(1);
    assertThat(logs.warnings()).isEmpty();
  }

  @ParameterizedTest(name = "type byte {0}")
  @ValueSource(bytes = {TYPE_RPC, TYPE_WAN_GOSSIP_PACKET, TYPE_WAN_GOSSIP_STREAM})
  void payloadSentAfterTheTypeByteWasHandledArrivesIntact(byte type) throws Exception {
    byte[] payload = "first\nsecond\n".getBytes(StandardCharsets.US_ASCII);
    try (Socket socket = connect(port.localAddress())) {
      write(socket, type);
      // The type byte has been read and acted on alone before any payload byte is sent.
      await().atMost(WAIT).until(() -> port.stats().dispatched() == 1);
      write(socket, payload);
      assertThat(socket.getInputStream().readNBytes(payload.length)).isEqualTo(payload);
    }
    assertThat(byType.get(type).connections).hasSize(1);
    assertThat(logs.warnings()).isEmpty();
  }

  @Test
  void dispatchedConnectionOutlivesTheHandshakeTimeout() throws Exception {
    restartWithShortHandshakeTimeout();
    try (Socket socket = connect(port.localAddress())) {
      write(socket, TYPE_RPC, (byte) 'a');
      assertThat(socket.getInputStream().read()).isEqualTo('a');
      await().during(SHORT_HANDSHAKE_TIMEOUT.multipliedBy(2)).atMost(WAIT)
          .until(() -> port.stats().refusedTotal() == 0);
      write(socket, (byte) 'b');
      assertThat(socket.getInputStream().read()).isEqualTo('b');
    }
    assertThat(logs.warnings()).isEmpty();
  }

  @Test
  void protocolHandlerThatFailsToInstallIsRefusedOnce() throws Exception {
    port.close();
    port = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .plaintextProtocol(TYPE_RPC, (pipeline, info) -> {
          throw new IllegalStateException("boom");
        })
        .build());
    try (Socket socket = connect(port.localAddress())) {
      write(socket, TYPE_RPC, (byte) 'a');
      assertClosedByServer(socket);
    }
    assertRefusedOnce(port, logs, RefusalReason.CONNECTION_FAILED, "connection failed before dispatch: boom");
  }

  @Test
  void tlsClientHelloWithoutTlsConfiguredIsAnUnknownFirstByte() throws Exception {
    try (Socket socket = connect(port.localAddress())) {
      write(socket, (byte) 0x16, (byte) 0x03, (byte) 0x01, (byte) 0x00, (byte) 0x05);
      assertClosedByServer(socket);
    }
    assertRefusedOnce(port, logs, RefusalReason.UNKNOWN_FIRST_BYTE, "unknown first byte 0x16");
  }

  @ParameterizedTest(name = "first byte {0}")
  @ValueSource(ints = {0x00, 0x7f, 0xff})
  void garbageIsAnUnknownFirstByte(int first) throws Exception {
    try (Socket socket = connect(port.localAddress())) {
      write(socket, (byte) first, (byte) 0x01, (byte) 0x02);
      assertClosedByServer(socket);
    }
    assertRefusedOnce(port, logs, RefusalReason.UNKNOWN_FIRST_BYTE,
        String.format("unknown first byte 0x%02x", first));
  }

  /** The refused bytes may fill several reads; the reads after the refusal are not new refusals. */
  @Test
  void longGarbageIsRefusedOnce() throws Exception {
    byte[] garbage = new byte[1024 * 1024];
    java.util.Arrays.fill(garbage, (byte) 0xff);
    try (Socket socket = connect(port.localAddress())) {
      try {
        socket.getOutputStream().write(garbage);
      } catch (java.net.SocketException closedWhileWriting) {
        // The server may close before it has read everything; that is the behaviour under test.
      }
      assertClosedByServer(socket);
    }
    assertRefusedOnce(port, logs, RefusalReason.UNKNOWN_FIRST_BYTE, "unknown first byte 0xff");
  }

  @Test
  void silentClientIsClosedAfterTheHandshakeTimeout() throws Exception {
    restartWithShortHandshakeTimeout();
    long started = System.nanoTime();
    try (Socket socket = connect(port.localAddress())) {
      assertClosedByServer(socket);
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(elapsedMillis).isBetween(SHORT_HANDSHAKE_TIMEOUT.toMillis() - 50, WAIT.toMillis());
    assertRefusedOnce(port, logs, RefusalReason.HANDSHAKE_TIMEOUT,
        "handshake not completed within 300ms");
  }

  @Test
  void settingsRejectHandlersThatCouldNeverRun() {
    assertThatThrownBy(() -> ServerPortSettings.builder("127.0.0.1", 0)
            .applicationProtocol("meshfed/rpc", rpc).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TLS is not configured");
    assertThatThrownBy(() -> ServerPortSettings.builder("127.0.0.1", 0)
            .plaintextProtocol((byte) 0x16, rpc).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside 0x01..0x03");
  }

  private static byte[] payload(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
    return bytes;
  }
}
