package io.meshfed.transport.gossip;

import static io.meshfed.transport.gossip.GossipTesting.CONNECT_TIMEOUT;
import static io.meshfed.transport.gossip.GossipTesting.WAIT;
import static io.meshfed.transport.gossip.GossipTesting.await;
import static io.meshfed.transport.gossip.GossipTesting.bytes;
import static io.meshfed.transport.gossip.GossipTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Connections are pooled per member name, reused, and replaced when they fail. */
class GossipPoolTest {
  private static final PlainGossipDialer DIALER = new PlainGossipDialer("dc1", CONNECT_TIMEOUT);

  private GossipServer server;

  @BeforeEach
  void start() throws Exception {
    server = GossipServer.plain();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void concurrentSendersShareOneConnectionPerMember() throws Exception {
    int threads = 8;
    int perThread = 25;
    ExecutorService senders = Executors.newFixedThreadPool(threads);
    try (GossipPackets packets = new GossipPackets(DIALER)) {
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        writes.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < perThread; i++) {
            packets.send("n1.dc1", server.address(), bytes(thread + ":" + i));
          }
        }, senders));
      }
      await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));

      await().atMost(WAIT).until(() -> server.received.size() == threads * perThread);
      assertThat(server.port.stats().dispatched()).isEqualTo(1);
      assertThat(packets.counters().connectionsOpened()).isEqualTo(1);
      assertThat(packets.counters().framesSent()).isEqualTo(threads * perThread);
      // Each sender's packets arrive in its order.
      for (int t = 0; t < threads; t++) {
        String prefix = t + ":";
        assertThat(server.received.stream().map(p -> GossipTesting.text(p.payload())).filter(s -> s.startsWith(prefix)))
            .containsExactlyElementsOf(IntStream.range(0, perThread).mapToObj(i -> prefix + i).toList());
      }

      // The pool is keyed by member name: another member at the same address gets its own connection.
      await(packets.send("n2.dc1", server.address(), bytes("other member")));
      await().atMost(WAIT).until(() -> server.port.stats().dispatched() == 2);
      assertThat(packets.counters().connectionsOpened()).isEqualTo(2);
    } finally {
      senders.shutdownNow();
    }
  }

  @Test
  void aFailedWriteDiscardsTheConnectionAndTheNextSendDialsAfresh() throws Exception {
    AtomicBoolean failNext = new AtomicBoolean(true);
    GossipDialer failingOnce = (member, address, protocol, group, installer) ->
        DIALER.dial(member, address, protocol, group, installer.andThen(p -> p.addLast(new FailWrite(failNext))));
    try (GossipPackets packets = new GossipPackets(failingOnce)) {
      Throwable error = failure(packets.send("n1.dc1", server.address(), bytes("lost")));

      assertThat(error).isInstanceOf(IOException.class).hasMessageStartingWith("gossip packet to n1.dc1 failed");
      assertThat(packets.counters().connectionsDiscarded()).isEqualTo(1);
      await().atMost(WAIT).until(() -> packets.counters().openConnections() == 0);

      await(packets.send("n1.dc1", server.address(), bytes("delivered")));
      await().atMost(WAIT).until(() -> server.received.size() == 1);
      assertThat(GossipTesting.text(server.received.get(0).payload())).isEqualTo("delivered");
      assertThat(packets.counters().connectionsOpened()).isEqualTo(2);
      assertThat(server.port.stats().dispatched()).isEqualTo(2);
    }
  }

  @Test
  void aConnectionClosedByTheReceiverIsReplaced() throws Exception {
    try (GossipPackets packets = new GossipPackets(DIALER)) {
      await(packets.send("n1.dc1", server.address(), bytes("one")));
      await().atMost(WAIT).until(() -> server.received.size() == 1);

      server.packetConnections.forEach(ch -> ch.close().syncUninterruptibly());
      await().atMost(WAIT).until(() -> packets.counters().openConnections() == 0);

      await(packets.send("n1.dc1", server.address(), bytes("two")));
      await().atMost(WAIT).until(() -> server.received.size() == 2);
      assertThat(server.port.stats().dispatched()).isEqualTo(2);
    }
  }

  @Test
  void aClosedPoolRefusesToSend() throws Exception {
    GossipPackets packets = new GossipPackets(DIALER);
    await(packets.send("n1.dc1", server.address(), bytes("one")));
    packets.close();

    assertThat(failure(packets.send("n1.dc1", server.address(), bytes("two"))))
        .isInstanceOf(IllegalStateException.class).hasMessage("gossip packet pool is closed");
    assertThat(packets.counters().openConnections()).isZero();
  }

  @Test
  void aDialFailureIsReportedAndNotPooled() throws Exception {
    InetSocketAddress nobody;
    try (ServerSocket s = new ServerSocket(0)) {
      nobody = new InetSocketAddress("127.0.0.1", s.getLocalPort());
    }
    try (GossipPackets packets = new GossipPackets(DIALER)) {
      assertThat(failure(packets.send("n1.dc1", nobody, bytes("one"))))
          .isInstanceOf(IOException.class).hasMessageStartingWith("cannot connect to 127.0.0.1:");

      await(packets.send("n1.dc1", server.address(), bytes("two")));
      await().atMost(WAIT).until(() -> server.received.size() == 1);
    }
  }

  /** Fails the first frame written (not the type byte before it), as a broken socket would. */
  private static final class FailWrite extends ChannelOutboundHandlerAdapter {
    private final AtomicBoolean failNext;

    FailWrite(AtomicBoolean failNext) {
      this.failNext = failNext;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof byte[] && failNext.compareAndSet(true, false)) {
        promise.setFailure(new IOException("injected write failure"));
        return;
      }
      ctx.write(msg, promise);
    }
  }
}
