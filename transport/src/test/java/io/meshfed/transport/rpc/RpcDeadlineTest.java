package io.meshfed.transport.rpc;

import static io.meshfed.transport.rpc.RpcTesting.LONG_DEADLINE;
import static io.meshfed.transport.rpc.RpcTesting.bytes;
import static io.meshfed.transport.rpc.RpcTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RpcDeadlineTest {
  private static final Duration DEADLINE = Duration.ofMillis(500);
  private static final Duration MARGIN = Duration.ofSeconds(2);

  /** The futures the never-answering handler returned, for checking that they were cancelled. */
  private final LinkedBlockingQueue<CompletableFuture<byte[]>> pending = new LinkedBlockingQueue<>();

  private final TestServer server = new TestServer(RpcServer.builder()
      .unary("test.Never", request -> {
        CompletableFuture<byte[]> never = new CompletableFuture<>();
        pending.add(never);
        return never;
      })
      .build());
  private final RpcClient client = RpcTesting.plainClient(RpcClientOptions.defaults());

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
  }

  @Test
  void callFailsAtTheDeadlineAndTheHandlerIsCancelled() throws Exception {
    long start = System.nanoTime();
    CompletionStage<byte[]> call = client.call(server.key("dc1", "s1"), "test.Never", bytes("x"), DEADLINE);

    RpcException error = failure(call);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertThat(error.code()).isEqualTo(RpcCode.DEADLINE_EXCEEDED);
    // Client and server both time the call; whichever timer fires first words the error.
    assertThat(error.getMessage()).matches(
        "deadline of 500 ms exceeded calling test\\.Never on s1 \\(dc1, 127\\.0\\.0\\.1:" + server.address().getPort() + "\\)"
            + "|deadline exceeded in test\\.Never \\(\\d+ ms left when the server received it\\)");
    assertThat(elapsed).isGreaterThanOrEqualTo(DEADLINE).isLessThan(DEADLINE.plus(MARGIN));
    CompletableFuture<byte[]> handlerWork = pending.poll(5, TimeUnit.SECONDS);
    assertThat(handlerWork).isNotNull();
    await().atMost(Duration.ofSeconds(5)).until(handlerWork::isCancelled);
  }

  @Test
  void cancellingTheCallersFutureCancelsTheHandler() throws Exception {
    CompletionStage<byte[]> call = client.call(server.key("dc1", "s1"), "test.Never", bytes("x"), LONG_DEADLINE);
    CompletableFuture<byte[]> handlerWork = pending.poll(5, TimeUnit.SECONDS);
    assertThat(handlerWork).isNotNull();

    call.toCompletableFuture().cancel(false);

    await().atMost(Duration.ofSeconds(5)).until(handlerWork::isCancelled);
  }

  @Test
  void serverEnforcesTheDeadlineItReceived() throws Exception {
    // A raw request frame with a deadline the client never enforces: only the server's timer can answer.
    try (RawConnection raw = new RawConnection(server.address())) {
      raw.writeRequest(1, "test.Never", 300);

      RawConnection.RawFrame answer = raw.readFrame();

      assertThat(answer.streamId()).isEqualTo(1);
      assertThat(answer.type()).isEqualTo(FrameType.ERROR);
      assertThat(answer.payload()[0]).isEqualTo((byte) RpcCode.DEADLINE_EXCEEDED.wireValue());
    }
    CompletableFuture<byte[]> handlerWork = pending.poll(5, TimeUnit.SECONDS);
    assertThat(handlerWork).isNotNull();
    await().atMost(Duration.ofSeconds(5)).until(handlerWork::isCancelled);
  }
}
