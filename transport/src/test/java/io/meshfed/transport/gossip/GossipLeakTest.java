package io.meshfed.transport.gossip;

import static io.meshfed.transport.gossip.GossipTesting.CONNECT_TIMEOUT;
import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static io.meshfed.transport.gossip.GossipTesting.await;
import static io.meshfed.transport.gossip.GossipTesting.bytes;
import static io.meshfed.transport.gossip.GossipTesting.gossipThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GossipLeakTest {
  @TempDir Path dir;

  @Test
  void closingLeavesNoGossipThreadOrConnection() throws Exception {
    closeAndCheck((packets, streams) -> {
      packets.close();
      streams.close();
    });
  }

  /** Closing without waiting (as an actor does) ends the same way once both stages completed. */
  @Test
  void closingAsynchronouslyLeavesNoGossipThreadOrConnection() throws Exception {
    closeAndCheck((packets, streams) -> {
      CompletableFuture<Void> packetsClosed = packets.closeAsync().toCompletableFuture();
      CompletableFuture<Void> streamsClosed = streams.closeAsync().toCompletableFuture();
      CompletableFuture.allOf(packetsClosed, streamsClosed).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    });
  }

  private interface Closer {
    void close(GossipPackets packets, GossipStreams streams) throws Exception;
  }

  private void closeAndCheck(Closer closer) throws Exception {
    GossipTestPki pki = new GossipTestPki(dir);
    GossipServer server = GossipServer.tls(pki.server("dc1", "n1"), GossipPackets.DEFAULT_IDLE_TIMEOUT,
        // One exchange stays open until the client closes.
        (request, connection) -> request.length == 0 ? new CompletableFuture<>()
            : CompletableFuture.completedFuture(request),
        GossipStreamReceiver.DEFAULT_DEADLINE);
    TlsGossipDialer dialer = TlsGossipDialer.create(pki.server("dc1", "n0"), GossipTestPki.DOMAIN, CONNECT_TIMEOUT);
    GossipPackets packets = new GossipPackets(dialer);
    GossipStreams streams = new GossipStreams(dialer);

    await(packets.send("n1.dc1", server.address(), bytes("packet")));
    assertThat(await(streams.exchange("n1.dc1", server.address(), bytes("state"), WAIT))).isEqualTo(bytes("state"));
    CompletableFuture<byte[]> pending = streams.exchange("n1.dc1", server.address(), new byte[0], WAIT)
        .toCompletableFuture();
    await().atMost(WAIT).until(() -> server.streams.counters().framesReceived() == 2);
    assertThat(gossipThreads()).isGreaterThan(0);

    try {
      closer.close(packets, streams);

      assertThat(pending).isCompletedExceptionally();
      assertThat(packets.counters().openConnections()).isZero();
      assertThat(streams.counters().openConnections()).isZero();
      // Netty completes a group's termination as each event loop ends, a moment before its thread
      // has exited: the threads must go, not at that very instant.
      await().atMost(WAIT).until(() -> gossipThreads() == 0);
      await().atMost(WAIT).until(() -> server.packets.counters().openConnections() == 0
          && server.streams.counters().openConnections() == 0);
    } finally {
      // A failed check above must not leave the server's port threads to fail later tests' leak checks.
      server.close();
    }
  }
}
