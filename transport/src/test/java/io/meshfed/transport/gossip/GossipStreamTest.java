package io.meshfed.transport.gossip;

import static io.meshfed.transport.gossip.GossipTesting.CONNECT_TIMEOUT;
import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static io.meshfed.transport.gossip.GossipTesting.await;
import static io.meshfed.transport.gossip.GossipTesting.bytes;
import static io.meshfed.transport.gossip.GossipTesting.failure;
import static io.meshfed.transport.gossip.GossipTesting.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.protocol.names.WireConstants;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State exchanges on {@code meshfed/wan-gossip/stream}: one connection each, bounded by deadlines. */
class GossipStreamTest {
  private static final Duration SHORT = Duration.ofMillis(500);

  @TempDir Path dir;

  @Test
  void eachExchangeGetsItsResponseOnAFreshConnection() throws Exception {
    GossipTestPki pki = new GossipTestPki(dir);
    GossipStreamHandler whoAsked = (request, connection) -> CompletableFuture.completedFuture(
        bytes(text(request) + " answered for " + connection.serverName().orElse("?")));
    try (GossipServer server = GossipServer.tls(pki.server("dc1", "n1"), GossipPackets.DEFAULT_IDLE_TIMEOUT,
            whoAsked, GossipStreamReceiver.DEFAULT_DEADLINE);
        GossipStreams streams = new GossipStreams(
            TlsGossipDialer.create(pki.server("dc1", "n0"), GossipTestPki.DOMAIN, CONNECT_TIMEOUT))) {
      for (int i = 0; i < 3; i++) {
        byte[] response = await(streams.exchange("n1.dc1", server.address(), bytes("push-pull " + i), WAIT));
        assertThat(text(response)).isEqualTo("push-pull " + i + " answered for n1.server.dc1.meshfed");
      }

      assertThat(server.port.stats().dispatched()).isEqualTo(3);
      await().atMost(WAIT).until(() -> streams.counters().openConnections() == 0
          && server.streams.counters().openConnections() == 0);
      assertThat(streams.counters().framesSent()).isEqualTo(3);
      assertThat(streams.counters().framesReceived()).isEqualTo(3);
    }
  }

  @Test
  void theCallerGivesUpAtItsDeadline() throws Exception {
    GossipStreamHandler silent = (request, connection) -> new CompletableFuture<>();
    try (GossipServer server = GossipServer.plain(GossipPackets.DEFAULT_IDLE_TIMEOUT, silent, WAIT.multipliedBy(6));
        GossipStreams streams = new GossipStreams(new PlainGossipDialer("dc1", CONNECT_TIMEOUT))) {
      long start = System.nanoTime();
      Throwable error = failure(streams.exchange("n1.dc1", server.address(), bytes("hello"), SHORT));

      assertThat(error).isInstanceOf(TimeoutException.class)
          .hasMessage("gossip stream exchange with n1.dc1 did not finish within PT0.5S");
      // Well before the receiver's own deadline (6 x WAIT), which would end it with an IOException
      // instead; a tighter bound would only measure how loaded the machine is.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT.multipliedBy(6));
      // counted by the thread that completed the future, just after the caller woke up
      await().atMost(WAIT).until(() -> streams.counters().deadlinesExceeded() == 1);
      // The caller closed its end; the receiver sees it go.
      await().atMost(WAIT).until(() -> server.streams.counters().openConnections() == 0);
    }
  }

  @Test
  void theReceiverClosesAnExchangeThatOutlivesItsDeadline() throws Exception {
    GossipStreamHandler silent = (request, connection) -> new CompletableFuture<>();
    try (GossipServer server = GossipServer.plain(GossipPackets.DEFAULT_IDLE_TIMEOUT, silent, SHORT);
        GossipStreams streams = new GossipStreams(new PlainGossipDialer("dc1", CONNECT_TIMEOUT))) {
      Throwable error = failure(streams.exchange("n1.dc1", server.address(), bytes("hello"), WAIT));

      assertThat(error).isInstanceOf(IOException.class).hasMessageContaining("closed before a response");
      assertThat(server.streams.counters().deadlinesExceeded()).isEqualTo(1);
    }
  }

  @Test
  void anOversizeRequestIsRefusedLocally() throws Exception {
    try (GossipStreams streams = new GossipStreams(new PlainGossipDialer("dc1", CONNECT_TIMEOUT))) {
      Throwable error = failure(streams.exchange("n1.dc1", new InetSocketAddress("127.0.0.1", 1),
          new byte[WireConstants.MAX_GOSSIP_FRAME_BYTES + 1], WAIT));

      assertThat(error).isInstanceOf(GossipFrameTooLargeException.class);
      assertThat(streams.counters().connectionsOpened()).isZero();
    }
  }
}
