package io.meshfed.transport.gossip;

import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.logging.RateLimitedLog;
import io.meshfed.transport.port.LogCapture;
import io.meshfed.transport.port.ServerPort;
import io.meshfed.transport.port.ServerPortSettings;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of bad packets and connections on a real server port: each one counted, none reaching
 * the listener, the log bounded and without stack traces, and good packets still delivered.
 */
class GossipFloodTest {
  private static final int FLOOD = 3_000;
  private static final byte GARBAGE = (byte) 0xff;

  private final List<GossipPacket> received = new CopyOnWriteArrayList<>();
  private LogCapture logs;
  private GossipPacketReceiver packets;
  private ServerPort port;

  @BeforeEach
  void start() throws Exception {
    logs = new LogCapture();
    packets = new GossipPacketReceiver(packet -> {
      // As the WAN membership's listener does with a payload that is no GossipPacket.
      if (packet.payload()[0] == GARBAGE) {
        throw new MalformedGossipPacketException("not a GossipPacket", null);
      }
      received.add(packet);
    });
    port = ServerPort.start(ServerPortSettings.builder("127.0.0.1", 0)
        .plaintextProtocol(WireConstants.TYPE_WAN_GOSSIP_PACKET, packets)
        .build());
  }

  @AfterEach
  void stop() {
    port.close();
    logs.close();
  }

  @Test
  void emptyAndUndecodablePacketsAreCountedDropsThatKeepTheConnection() throws Exception {
    try (Socket socket = new Socket(port.localAddress().getAddress(), port.localAddress().getPort())) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeByte(WireConstants.TYPE_WAN_GOSSIP_PACKET);
      for (int i = 0; i < FLOOD; i++) {
        out.writeInt(0);
        out.writeInt(1);
        out.writeByte(GARBAGE);
      }
      out.write(frame("hello"));
      out.flush();
      await().atMost(WAIT).until(() -> received.size() == 1);
    }

    assertThat(received).extracting(p -> new String(p.payload(), StandardCharsets.UTF_8)).containsExactly("hello");
    assertThat(packets.counters().packetsDropped()).isEqualTo(2L * FLOOD);
    assertThat(packets.counters().framesReceived()).isEqualTo(2L * FLOOD + 1);
    assertThat(packets.counters().handlerFailures()).isZero();
    assertThat(lines("dropped a gossip packet from 127.0.0.1:"))
        .hasSizeBetween(1, 2 * (RateLimitedLog.DEFAULT_BURST + 1))
        .anySatisfy(e -> assertThat(e.getFormattedMessage()).endsWith(": empty packet"))
        .anySatisfy(e -> assertThat(e.getFormattedMessage()).endsWith(": not a GossipPacket"))
        .allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    assertThat(logs.warnings()).allSatisfy(e -> assertThat(e.getFormattedMessage()).contains("dropped a gossip packet"));
  }

  @Test
  void connectionsWithAnOversizeFrameAreEachCountedAndTheLogStaysBounded() throws Exception {
    byte[] oversize = new ByteArrayOutputStream() {
      {
        write(WireConstants.TYPE_WAN_GOSSIP_PACKET);
        int length = WireConstants.MAX_GOSSIP_FRAME_BYTES + 1;
        write(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length}, 0, 4);
      }
    }.toByteArray();
    for (int i = 0; i < FLOOD; i++) {
      try (Socket socket = new Socket(port.localAddress().getAddress(), port.localAddress().getPort())) {
        socket.setSoTimeout((int) WAIT.toMillis());
        socket.getOutputStream().write(oversize);
        assertThat(socket.getInputStream().read()).as("closed by the server").isEqualTo(-1);
      }
    }

    await().atMost(WAIT).until(() -> packets.counters().refusedOversize() == FLOOD);
    assertThat(lines("exceeds threshold")).hasSizeBetween(1, RateLimitedLog.DEFAULT_BURST + 1);
    try (Socket socket = new Socket(port.localAddress().getAddress(), port.localAddress().getPort())) {
      socket.getOutputStream().write(WireConstants.TYPE_WAN_GOSSIP_PACKET);
      socket.getOutputStream().write(frame("still served"));
      await().atMost(WAIT).until(() -> received.size() == 1);
    }
  }

  private List<ILoggingEvent> lines(String containing) {
    return logs.warnings().stream().filter(e -> e.getFormattedMessage().contains(containing)).toList();
  }

  private static byte[] frame(String text) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    out.writeInt(payload.length);
    out.write(payload);
    return bytes.toByteArray();
  }
}
