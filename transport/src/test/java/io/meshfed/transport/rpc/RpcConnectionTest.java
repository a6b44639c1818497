package io.meshfed.transport.rpc;

import static io.meshfed.transport.rpc.RpcTesting.LONG_DEADLINE;
import static io.meshfed.transport.rpc.RpcTesting.await;
import static io.meshfed.transport.rpc.RpcTesting.bytes;
import static io.meshfed.transport.rpc.RpcTesting.failure;
import static io.meshfed.transport.rpc.RpcTesting.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RpcConnectionTest {
  private static final int SMALL_FRAME = 1024;

  private final LinkedBlockingQueue<CompletableFuture<byte[]>> pending = new LinkedBlockingQueue<>();
  private final RpcServer rpcServer = RpcServer.builder()
      .unary("test.Echo", request -> CompletableFuture.completedFuture(bytes("reply:" + text(request))))
      .unary("test.Big", request -> CompletableFuture.completedFuture(new byte[2 * SMALL_FRAME]))
      .unary("test.Never", request -> {
        CompletableFuture<byte[]> never = new CompletableFuture<>();
        pending.add(never);
        return never;
      })
      .maxFrameBytes(SMALL_FRAME)
      .build();
  private final TestServer server = new TestServer(rpcServer);
  private RpcClient client = RpcTesting.plainClient(RpcClientOptions.defaults().withMaxFrameBytes(SMALL_FRAME));

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
  }

  private void useClient(RpcClientOptions options) {
    client.close();
    client = RpcTesting.plainClient(options);
  }

  @Test
  void closedPortIsUnavailableQuickly() throws Exception {
    InetSocketAddress closed;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = new InetSocketAddress("127.0.0.1", socket.getLocalPort());
    }
    long start = System.nanoTime();

    RpcException error = failure(client.call(new PoolKey("dc1", "gone", closed), "test.Echo", bytes("x"), LONG_DEADLINE));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(error.code()).isEqualTo(RpcCode.UNAVAILABLE);
    assertThat(error.getMessage()).startsWith("cannot connect to gone (dc1, 127.0.0.1:" + closed.getPort() + "): ");
  }

  @Test
  void dialThatNeverCompletesIsUnavailableAtTheDeadline() {
    client.close();
    client = new RpcClient((key, group, installer) -> new CompletableFuture<>(), RpcClientOptions.defaults());

    RpcException error = failure(client.call(server.key("dc1", "s1"), "test.Echo", bytes("x"), Duration.ofMillis(300)));

    assertThat(error.code()).isEqualTo(RpcCode.UNAVAILABLE);
    assertThat(error.getMessage()).startsWith("no connection to s1 (dc1, ").endsWith("within the 300 ms deadline");
  }

  @Test
  void connectorThatSkipsTheRpcPipelineIsRefused() {
    client.close();
    client = new RpcClient((key, group, installer) -> CompletableFuture.completedFuture(new EmbeddedChannel()),
        RpcClientOptions.defaults());

    RpcException error = failure(client.call(server.key("dc1", "s1"), "test.Echo", bytes("x"), LONG_DEADLINE));

    assertThat(error.code()).isEqualTo(RpcCode.UNAVAILABLE);
    assertThat(error.getMessage()).endsWith(": connector did not install the RPC pipeline");
  }

  @Test
  void silentPeerIsDetectedByKeepaliveBeforeTheDeadline() {
    try (TestServer silent = new TestServer(pipeline -> pipeline.addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
      }
    }))) {
      useClient(RpcClientOptions.defaults().withKeepaliveInterval(Duration.ofMillis(200)));
      long start = System.nanoTime();

      RpcException error = failure(client.call(silent.key("dc1", "mute"), "test.Echo", bytes("x"), LONG_DEADLINE));

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(error.code()).isEqualTo(RpcCode.UNAVAILABLE);
      assertThat(error.getMessage()).isEqualTo("connection to mute (dc1, 127.0.0.1:" + silent.address().getPort()
          + ") lost: no answer to a ping within 200 ms");
    }
  }

  @Test
  void keepaliveKeepsASlowButHealthyCallAlive() throws Exception {
    AtomicInteger pings = new AtomicInteger();
    try (TestServer counted = new TestServer(pipeline -> {
      rpcServer.pipelineInstaller().accept(pipeline);
      pipeline.addBefore("rpc-ping-responder", "ping-counter", new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          if (msg instanceof Frame.Ping) {
            pings.incrementAndGet();
          }
          ctx.fireChannelRead(msg);
        }
      });
    })) {
      useClient(RpcClientOptions.defaults().withKeepaliveInterval(Duration.ofMillis(100)));
      CompletionStage<byte[]> call = client.call(counted.key("dc1", "s1"), "test.Never", bytes("x"), LONG_DEADLINE);
      CompletableFuture<byte[]> handlerWork = pending.poll(5, TimeUnit.SECONDS);
      assertThat(handlerWork).isNotNull();

      // Several keepalive rounds without an answer to the call; the PONGs keep the connection.
      await().atMost(Duration.ofSeconds(5)).until(() -> pings.get() >= 4);
      handlerWork.complete(bytes("late"));

      assertThat(await(call)).isEqualTo("late");
      assertThat(counted.acceptedConnections()).isEqualTo(1);
    }
  }

  @Test
  void lostConnectionFailsPendingCallsAndTheNextCallRedials() throws Exception {
    PoolKey key = server.key("dc1", "s1");
    CompletionStage<byte[]> first = client.call(key, "test.Never", bytes("a"), LONG_DEADLINE);
    CompletionStage<byte[]> second = client.call(key, "test.Never", bytes("b"), LONG_DEADLINE);
    CompletableFuture<byte[]> work1 = pending.poll(5, TimeUnit.SECONDS);
    CompletableFuture<byte[]> work2 = pending.poll(5, TimeUnit.SECONDS);
    assertThat(work2).isNotNull();

    server.closeConnections();

    String lost = "connection to s1 (dc1, 127.0.0.1:" + server.address().getPort() + ") lost: closed by the server";
    for (CompletionStage<byte[]> call : List.of(first, second)) {
      RpcException error = failure(call);
      assertThat(error.code()).isEqualTo(RpcCode.UNAVAILABLE);
      assertThat(error.getMessage()).isEqualTo(lost);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> work1.isCancelled() && work2.isCancelled());
    assertThat(await(client.call(key, "test.Echo", bytes("again"), LONG_DEADLINE))).isEqualTo("reply:again");
    assertThat(server.acceptedConnections()).isEqualTo(2);
  }

  @Test
  void equalAddressesInTwoDatacentersDoNotShareAConnection() throws Exception {
    PoolKey dc1 = server.key("dc1", "s1");
    PoolKey dc2 = server.key("dc2", "s1");

    assertThat(await(client.call(dc1, "test.Echo", bytes("1"), LONG_DEADLINE))).isEqualTo("reply:1");
    assertThat(await(client.call(dc2, "test.Echo", bytes("2"), LONG_DEADLINE))).isEqualTo("reply:2");
    assertThat(server.acceptedConnections()).isEqualTo(2);

    assertThat(await(client.call(dc1, "test.Echo", bytes("3"), LONG_DEADLINE))).isEqualTo("reply:3");
    assertThat(await(client.call(new PoolKey("dc2", "s1", server.address()), "test.Echo", bytes("4"), LONG_DEADLINE)))
        .isEqualTo("reply:4");
    assertThat(server.acceptedConnections()).isEqualTo(2);
  }

  @Test
  void oversizedFrameClosesOnlyThatConnectionWithALoggedReason() throws Exception {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger dispatcherLog = (Logger) LoggerFactory.getLogger(ServerCallDispatcher.class);
    dispatcherLog.addAppender(log);
    try {
      PoolKey key = server.key("dc1", "s1");
      assertThat(await(client.call(key, "test.Echo", bytes("before"), LONG_DEADLINE))).isEqualTo("reply:before");

      try (RawConnection raw = new RawConnection(server.address())) {
        raw.writeLengthOnly(SMALL_FRAME + 1);
        assertThat(raw.closedByPeer()).isTrue();
      }

      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .anySatisfy(line -> assertThat(line).startsWith("closing RPC connection")
              .endsWith("frame of " + (SMALL_FRAME + 1) + " bytes exceeds the maximum of " + SMALL_FRAME)));
      assertThat(await(client.call(key, "test.Echo", bytes("after"), LONG_DEADLINE))).isEqualTo("reply:after");
      assertThat(server.acceptedConnections()).isEqualTo(2);
    } finally {
      dispatcherLog.detachAppender(log);
    }
  }

  @Test
  void oversizedRequestIsRejectedBeforeSending() throws Exception {
    PoolKey key = server.key("dc1", "s1");

    RpcException error = failure(client.call(key, "test.Echo", new byte[SMALL_FRAME], LONG_DEADLINE));

    assertThat(error.code()).isEqualTo(RpcCode.INVALID_ARGUMENT);
    assertThat(error.getMessage()).contains("exceeds the maximum frame size of " + SMALL_FRAME);
    assertThat(await(client.call(key, "test.Echo", bytes("fine"), LONG_DEADLINE))).isEqualTo("reply:fine");
    assertThat(server.acceptedConnections()).isEqualTo(1);
  }

  @Test
  void oversizedAnswerIsAnInternalErrorOnTheServer() {
    RpcException error = failure(client.call(server.key("dc1", "s1"), "test.Big", bytes("x"), LONG_DEADLINE));

    assertThat(error.code()).isEqualTo(RpcCode.INTERNAL);
    assertThat(error.getMessage()).isEqualTo("answer of test.Big exceeds the maximum frame size");
  }

  @Test
  void oversizedFrameFromTheServerFailsTheClientsCalls() {
    try (TestServer bigServer = new TestServer(RpcServer.builder()
        .unary("test.Big", request -> CompletableFuture.completedFuture(new byte[2 * SMALL_FRAME]))
        .build())) {
      RpcException error = failure(client.call(bigServer.key("dc1", "big"), "test.Big", bytes("x"), LONG_DEADLINE));

      assertThat(error.code()).isEqualTo(RpcCode.UNAVAILABLE);
      assertThat(error.getMessage()).endsWith("lost: frame of " + (2 * SMALL_FRAME + Frame.HEADER_BYTES)
          + " bytes exceeds the maximum of " + SMALL_FRAME);
    }
  }

  @Test
  void idleConnectionIsClosedAndRedialed() throws Exception {
    useClient(RpcClientOptions.defaults().withIdleTimeout(Duration.ofMillis(300)));
    PoolKey key = server.key("dc1", "s1");
    assertThat(await(client.call(key, "test.Echo", bytes("1"), LONG_DEADLINE))).isEqualTo("reply:1");

    await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);

    assertThat(await(client.call(key, "test.Echo", bytes("2"), LONG_DEADLINE))).isEqualTo("reply:2");
    assertThat(server.acceptedConnections()).isEqualTo(2);
  }

  @Test
  void busyConnectionIsNotClosedForIdleness() throws Exception {
    AtomicInteger idlePeriods = new AtomicInteger();
    PlainConnector plain = new PlainConnector(Duration.ofSeconds(5));
    client.close();
    client = new RpcClient((key, group, installer) -> plain.connect(key, group, pipeline -> {
      installer.accept(pipeline);
      pipeline.addAfter("rpc-idle-state", "idle-counter", new ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
          if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.ALL_IDLE) {
            idlePeriods.incrementAndGet();
          }
          ctx.fireUserEventTriggered(evt);
        }
      });
    }), RpcClientOptions.defaults().withIdleTimeout(Duration.ofMillis(200)));
    CompletionStage<byte[]> call = client.call(server.key("dc1", "s1"), "test.Never", bytes("x"), LONG_DEADLINE);
    CompletableFuture<byte[]> handlerWork = pending.poll(5, TimeUnit.SECONDS);
    assertThat(handlerWork).isNotNull();

    await().atMost(Duration.ofSeconds(5)).until(() -> idlePeriods.get() >= 2);
    handlerWork.complete(bytes("done"));

    assertThat(await(call)).isEqualTo("done");
    assertThat(server.acceptedConnections()).isEqualTo(1);
  }

  @Test
  void closingTheClientFailsPendingCallsAndCancelsTheirHandlers() throws Exception {
    CompletionStage<byte[]> call = client.call(server.key("dc1", "s1"), "test.Never", bytes("x"), LONG_DEADLINE);
    CompletableFuture<byte[]> handlerWork = pending.poll(5, TimeUnit.SECONDS);
    assertThat(handlerWork).isNotNull();

    client.close();

    RpcException error = failure(call);
    assertThat(error.code()).isEqualTo(RpcCode.UNAVAILABLE);
    assertThat(error.getMessage()).endsWith("lost: RPC client closed");
    await().atMost(Duration.ofSeconds(5)).until(handlerWork::isCancelled);
    assertThat(failure(client.call(server.key("dc1", "s1"), "test.Echo", bytes("x"), LONG_DEADLINE)).getMessage())
        .isEqualTo("RPC client is closed");
  }
}
