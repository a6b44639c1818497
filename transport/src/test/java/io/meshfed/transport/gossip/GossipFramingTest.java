package io.meshfed.transport.gossip;

import static io.meshfed.transport.gossip.GossipTesting.CONNECT_TIMEOUT;
import static io.meshfed.transport.gossip.GossipTesting.ECHO;
import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static io.meshfed.transport.gossip.GossipTesting.await;
import static io.meshfed.transport.gossip.GossipTesting.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packets cross a real server port intact and in order, over TLS and in plaintext. */
class GossipFramingTest {
  private static final int FRAMES = 120;
  private static final int MAX_SIZE = 1024 * 1024;

  @TempDir Path dir;

  @Test
  void manyFramesOfZeroToOneMebibyteArriveInOrderOverTls() throws Exception {
    GossipTestPki pki = new GossipTestPki(dir);
    List<byte[]> sent = frames(new Random(42));
    try (GossipServer server = GossipServer.tls(pki.server("dc2", "n1"), GossipPackets.DEFAULT_IDLE_TIMEOUT,
            ECHO, GossipStreamReceiver.DEFAULT_DEADLINE);
        GossipPackets packets = new GossipPackets(
            TlsGossipDialer.create(pki.server("dc1", "n0"), GossipTestPki.DOMAIN, CONNECT_TIMEOUT))) {
      // A member of another DC, dialed at an address that stands in for its DC's gateway.
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (byte[] frame : sent) {
        writes.add(packets.send("n1.dc2", server.address(), frame).toCompletableFuture());
      }
      await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));

      // The empty frame 0 carries no packet: dropped and counted, never delivered.
      await().atMost(WAIT).until(() -> server.received.size() == FRAMES - 1);
      for (int i = 1; i < FRAMES; i++) {
        assertThat(server.received.get(i - 1).payload()).as("frame %d", i).isEqualTo(sent.get(i));
      }
      assertThat(server.packets.counters().packetsDropped()).isEqualTo(1);
      assertThat(server.received.get(0).connection().serverName()).contains("n1.server.dc2.meshfed");
      assertThat(server.port.stats().dispatched()).isEqualTo(1);
      assertThat(packets.counters().framesSent()).isEqualTo(FRAMES);
      assertThat(server.packets.counters().framesReceived()).isEqualTo(FRAMES);
    }
  }

  @Test
  void sameDcMembersTalkPlaintextWithTheTypeByte() throws Exception {
    try (GossipServer server = GossipServer.plain();
        GossipPackets packets = new GossipPackets(new PlainGossipDialer("dc1", CONNECT_TIMEOUT))) {
      await(packets.send("n1.dc1", server.address(), bytes("one")));
      await(packets.send("n1.dc1", server.address(), new byte[0]));
      await(packets.send("n1.dc1", server.address(), bytes("three")));

      await().atMost(WAIT).until(() -> server.received.size() == 2);
      assertThat(server.received).extracting(p -> GossipTesting.text(p.payload())).containsExactly("one", "three");
      assertThat(server.packets.counters().packetsDropped()).isEqualTo(1);
      assertThat(server.received.get(0).connection().isTls()).isFalse();
    }
  }

  /** Sizes spread over 0..1 MiB, both ends included, each frame with its own content. */
  private static List<byte[]> frames(Random random) {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < FRAMES; i++) {
      int size = switch (i) {
        case 0 -> 0;
        case 1 -> MAX_SIZE;
        default -> i % 10 == 0 ? random.nextInt(MAX_SIZE + 1) : random.nextInt(4096);
      };
      byte[] frame = new byte[size];
      random.nextBytes(frame);
      frames.add(frame);
    }
    return frames;
  }
}
