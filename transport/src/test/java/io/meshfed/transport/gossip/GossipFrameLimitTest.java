package io.meshfed.transport.gossip;

import io.meshfed.transport.port.LogCapture;
import static io.meshfed.transport.gossip.GossipTesting.CONNECT_TIMEOUT;
import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static io.meshfed.transport.gossip.GossipTesting.await;
import static io.meshfed.transport.gossip.GossipTesting.bytes;
import static io.meshfed.transport.gossip.GossipTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.protocol.names.WireConstants;
import java.io.DataOutputStream;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The 4 MiB frame limit on both sides. */
class GossipFrameLimitTest {
  private static final int LIMIT = WireConstants.MAX_GOSSIP_FRAME_BYTES;

  private LogCapture logs;
  private GossipServer server;
  private GossipPackets packets;

  @BeforeEach
  void start() throws Exception {
    logs = new LogCapture();
    server = GossipServer.plain();
    packets = new GossipPackets(new PlainGossipDialer("dc1", CONNECT_TIMEOUT));
  }

  @AfterEach
  void stop() {
    packets.close();
    server.close();
    logs.close();
  }

  @Test
  void aFrameOverTheLimitIsRefusedBeforeAnythingIsSent() throws Exception {
    Throwable error = failure(packets.send("n1.dc1", server.address(), new byte[LIMIT + 1]));

    assertThat(error).isInstanceOf(GossipFrameTooLargeException.class)
        .hasMessage("gossip packet size 4194305 exceeds threshold of 4194304");
    assertThat(packets.counters().refusedOversize()).isEqualTo(1);
    assertThat(packets.counters().connectionsOpened()).isZero();

    byte[] largest = new byte[LIMIT];
    largest[LIMIT - 1] = 7;
    await(packets.send("n1.dc1", server.address(), largest));
    await().atMost(WAIT).until(() -> server.received.size() == 1);
    assertThat(server.received.get(0).payload()).isEqualTo(largest);
  }

  @Test
  void aLengthOverTheLimitClosesThatConnectionOnlyAndIsLoggedOnce() throws Exception {
    await(packets.send("n1.dc1", server.address(), bytes("before")));

    try (Socket raw = new Socket(server.address().getAddress(), server.address().getPort())) {
      raw.setSoTimeout((int) WAIT.toMillis());
      DataOutputStream out = new DataOutputStream(raw.getOutputStream());
      out.writeByte(WireConstants.TYPE_WAN_GOSSIP_PACKET);
      out.writeInt(LIMIT + 1);
      out.write(new byte[1024]);
      out.flush();
      assertThat(raw.getInputStream().read()).as("closed by the server").isEqualTo(-1);
    }

    assertThat(server.packets.counters().refusedOversize()).isEqualTo(1);
    assertThat(logs.warnings()).singleElement().satisfies(event -> assertThat(event.getFormattedMessage())
        .contains("gossip packet size 4194305 exceeds threshold of 4194304"));
    await(packets.send("n1.dc1", server.address(), bytes("after")));
    await().atMost(WAIT).until(() -> server.received.size() == 2);
    assertThat(server.received).extracting(p -> GossipTesting.text(p.payload())).containsExactly("before", "after");
    assertThat(packets.counters().connectionsOpened()).isEqualTo(1);
  }
}
