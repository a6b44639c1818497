package io.meshfed.transport.rpc;

import static io.meshfed.transport.rpc.RpcTesting.LONG_DEADLINE;
import static io.meshfed.transport.rpc.RpcTesting.await;
import static io.meshfed.transport.rpc.RpcTesting.bytes;
import static io.meshfed.transport.rpc.RpcTesting.failure;
import static io.meshfed.transport.rpc.RpcTesting.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RpcUnaryTest {
  private static final int CALLS = 1000;

  private final ConcurrentLinkedQueue<Runnable> heldReplies = new ConcurrentLinkedQueue<>();
  private final AtomicInteger received = new AtomicInteger();

  private final TestServer server = new TestServer(RpcServer.builder()
      .unary("test.Echo", request -> CompletableFuture.completedFuture(bytes("reply:" + text(request))))
      .unary("test.HeldEcho", this::holdUntilAllArrived)
      .unary("test.Denied", request -> {
        throw new RpcException(RpcCode.PERMISSION_DENIED, "Permission denied");
      })
      .unary("test.FailedStage", request -> CompletableFuture.failedFuture(new RpcException(RpcCode.INVALID_ARGUMENT, "bad\nrequest")))
      .unary("test.Broken", request -> {
        throw new IllegalStateException("secret internal detail");
      })
      .stream("test.Stream", (request, sink) -> sink::complete)
      .build());
  private final RpcClient client = RpcTesting.plainClient(RpcClientOptions.defaults().withIoThreads(2));

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
  }

  /** Replies only once every call is on the server, so all of them are in flight at once. */
  private CompletionStage<byte[]> holdUntilAllArrived(byte[] request) {
    CompletableFuture<byte[]> reply = new CompletableFuture<>();
    heldReplies.add(() -> reply.complete(bytes("reply:" + text(request))));
    if (received.incrementAndGet() == CALLS) {
      heldReplies.forEach(Runnable::run);
    }
    return reply;
  }

  @Test
  void thousandConcurrentCallsAreMultiplexedOnOneConnection() throws Exception {
    PoolKey key = server.key("dc1", "s1");
    List<CompletionStage<byte[]>> calls = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      calls.add(client.call(key, "test.HeldEcho", bytes("req-" + i), LONG_DEADLINE));
    }

    for (int i = 0; i < CALLS; i++) {
      assertThat(await(calls.get(i))).isEqualTo("reply:req-" + i);
    }
    assertThat(received).hasValue(CALLS);
    assertThat(server.acceptedConnections()).isEqualTo(1);
  }

  @Test
  void rpcExceptionFromHandlerKeepsCodeAndMessage() {
    RpcException error = failure(client.call(server.key("dc1", "s1"), "test.Denied", bytes("x"), LONG_DEADLINE));

    assertThat(error.code()).isEqualTo(RpcCode.PERMISSION_DENIED);
    assertThat(error.getMessage()).isEqualTo("Permission denied");
  }

  @Test
  void failedStageKeepsCodeAndMessageOnOneLine() {
    RpcException error = failure(client.call(server.key("dc1", "s1"), "test.FailedStage", bytes("x"), LONG_DEADLINE));

    assertThat(error.code()).isEqualTo(RpcCode.INVALID_ARGUMENT);
    assertThat(error.getMessage()).isEqualTo("bad request");
  }

  @Test
  void otherExceptionsBecomeInternalWithoutTheirMessage() {
    RpcException error = failure(client.call(server.key("dc1", "s1"), "test.Broken", bytes("x"), LONG_DEADLINE));

    assertThat(error.code()).isEqualTo(RpcCode.INTERNAL);
    assertThat(error.getMessage()).isEqualTo("internal error in test.Broken: IllegalStateException");
  }

  @Test
  void unknownMethodIsNotFound() {
    RpcException error = failure(client.call(server.key("dc1", "s1"), "test.Missing", bytes("x"), LONG_DEADLINE));

    assertThat(error.code()).isEqualTo(RpcCode.NOT_FOUND);
    assertThat(error.getMessage()).isEqualTo("unknown method test.Missing");
  }

  @Test
  void unaryCallOfStreamMethodIsInvalidArgument() {
    RpcException error = failure(client.call(server.key("dc1", "s1"), "test.Stream", bytes("x"), LONG_DEADLINE));

    assertThat(error.code()).isEqualTo(RpcCode.INVALID_ARGUMENT);
    assertThat(error.getMessage()).isEqualTo("method test.Stream is server-streaming");
  }

  @Test
  void connectionSurvivesFailedCalls() throws Exception {
    PoolKey key = server.key("dc1", "s1");
    failure(client.call(key, "test.Broken", bytes("x"), LONG_DEADLINE));
    failure(client.call(key, "test.Missing", bytes("x"), LONG_DEADLINE));

    assertThat(await(client.call(key, "test.Echo", bytes("after"), LONG_DEADLINE))).isEqualTo("reply:after");
    assertThat(server.acceptedConnections()).isEqualTo(1);
  }
}
