package io.meshfed.transport.gossip;

import static io.meshfed.transport.gossip.GossipTesting.CONNECT_TIMEOUT;
import static io.meshfed.transport.gossip.GossipTesting.ECHO;
import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static io.meshfed.transport.gossip.GossipTesting.await;
import static io.meshfed.transport.gossip.GossipTesting.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Idle packet connections are reaped by whichever end has the shorter idle timeout. */
class GossipIdleTest {
  private static final Duration SHORT = Duration.ofMillis(500);
  private static final Duration LONG = Duration.ofMinutes(1);

  @Test
  void theSenderReapsAnIdleConnectionAndDialsAgainLater() throws Exception {
    try (GossipServer server = GossipServer.plain(LONG, ECHO, GossipStreamReceiver.DEFAULT_DEADLINE);
        GossipPackets packets = new GossipPackets(new PlainGossipDialer("dc1", CONNECT_TIMEOUT), SHORT)) {
      await(packets.send("n1.dc1", server.address(), bytes("one")));

      await().atMost(WAIT).until(() -> packets.counters().connectionsReaped() == 1);
      await().atMost(WAIT).until(() -> packets.counters().openConnections() == 0);
      await().atMost(WAIT).until(() -> server.packets.counters().openConnections() == 0);
      assertThat(server.packets.counters().connectionsReaped()).isZero();

      await(packets.send("n1.dc1", server.address(), bytes("two")));
      await().atMost(WAIT).until(() -> server.received.size() == 2);
      assertThat(server.port.stats().dispatched()).isEqualTo(2);
    }
  }

  @Test
  void theReceiverReapsAnIdleConnectionAndTheSenderDialsAgain() throws Exception {
    try (GossipServer server = GossipServer.plain(SHORT, ECHO, GossipStreamReceiver.DEFAULT_DEADLINE);
        GossipPackets packets = new GossipPackets(new PlainGossipDialer("dc1", CONNECT_TIMEOUT), LONG)) {
      await(packets.send("n1.dc1", server.address(), bytes("one")));

      await().atMost(WAIT).until(() -> server.packets.counters().connectionsReaped() == 1);
      // the reap is counted when it starts; the connection counts as closed once its close completes
      await().atMost(WAIT).until(() -> server.packets.counters().openConnections() == 0);
      // The sender sees the close and drops the connection from its pool.
      await().atMost(WAIT).until(() -> packets.counters().openConnections() == 0);
      assertThat(packets.counters().connectionsReaped()).isZero();

      await(packets.send("n1.dc1", server.address(), bytes("two")));
      await().atMost(WAIT).until(() -> server.received.size() == 2);
      assertThat(packets.counters().connectionsOpened()).isEqualTo(2);
    }
  }
}
