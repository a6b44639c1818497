package io.meshfed.transport.gossip;

import static io.meshfed.transport.gossip.GossipTesting.CONNECT_TIMEOUT;
import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static io.meshfed.transport.gossip.GossipTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** A packet connection at its maximum age is replaced for the next packet and closed once flushed. */
class GossipConnectionAgeTest {
  private static final Duration AGE = Duration.ofMillis(200);
  private static final PlainGossipDialer DIALER = new PlainGossipDialer("dc1", CONNECT_TIMEOUT);

  @Test
  void agedConnectionsAreReplacedWithoutLosingAPacket() throws Exception {
    // Large packets, so a retirement often finds bytes still queued that must go out before the close.
    byte[] packet = new byte[256 * 1024];
    try (GossipServer server = GossipServer.plain();
        GossipPackets packets = new GossipPackets(DIALER, GossipPackets.DEFAULT_IDLE_TIMEOUT, AGE)) {
      List<CompletionStage<Void>> sent = new ArrayList<>();
      await().atMost(WAIT).until(() -> {
        for (int i = 0; i < 5; i++) {
          sent.add(packets.send("n1.dc1", server.address(), packet));
        }
        return packets.counters().connectionsOpened() >= 3;
      });
      for (CompletionStage<Void> written : sent) {
        await(written);
      }

      await().atMost(WAIT).until(() -> server.received.size() == sent.size());
      assertThat(server.received).allSatisfy(p -> assertThat(p.payload()).hasSize(packet.length));
      assertThat(server.port.stats().dispatched()).isEqualTo(packets.counters().connectionsOpened());
      // Replaced connections close, and so does the last one at its age (the idle timeout is 2 minutes).
      await().atMost(WAIT).until(() -> server.packetConnections.stream().noneMatch(Channel::isActive));
      assertThat(packets.counters().openConnections()).isZero();
      assertThat(packets.counters().connectionsDiscarded()).isZero();
    }
  }

  @Test
  void theMaximumAgeMustBePositive() {
    assertThatThrownBy(() -> new GossipPackets(DIALER, GossipPackets.DEFAULT_IDLE_TIMEOUT, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximum connection age must be positive: PT0S");
    assertThat(GossipPackets.DEFAULT_MAX_CONNECTION_AGE).isEqualTo(Duration.ofSeconds(20));
  }
}
