package io.meshfed.transport.rpc;

import static io.meshfed.transport.rpc.RpcTesting.LONG_DEADLINE;
import static io.meshfed.transport.rpc.RpcTesting.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RpcStreamTest {
  private final ScheduledExecutorService producer =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "meshfed-rpc-test-producer"));
  private final AtomicBoolean producerCancelled = new AtomicBoolean();
  private final AtomicReference<StreamSink> endlessSink = new AtomicReference<>();
  private final AtomicInteger produced = new AtomicInteger();

  private final TestServer server = new TestServer(RpcServer.builder()
      .stream("test.Hundred", (request, sink) -> {
        for (int i = 0; i < 100; i++) {
          sink.next(bytes("item-" + i));
        }
        sink.complete();
        return () -> { };
      })
      .stream("test.Endless", (request, sink) -> {
        endlessSink.set(sink);
        ScheduledFuture<?> ticks = producer.scheduleAtFixedRate(
            () -> sink.next(bytes("tick-" + produced.getAndIncrement())), 0, 1, TimeUnit.MILLISECONDS);
        return () -> {
          producerCancelled.set(true);
          ticks.cancel(false);
        };
      })
      .stream("test.Failing", (request, sink) -> {
        sink.next(bytes("first"));
        sink.fail(new RpcException(RpcCode.NOT_FOUND, "no such thing"));
        return () -> { };
      })
      .build());
  private final RpcClient client = RpcTesting.plainClient(RpcClientOptions.defaults());

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
    producer.shutdownNow();
  }

  @Test
  void receivesAllItemsInOrderThenEnd() throws Exception {
    RpcTesting.RecordingListener listener = new RpcTesting.RecordingListener();

    client.stream(server.key("dc1", "s1"), "test.Hundred", bytes(""), LONG_DEADLINE, listener);

    assertThat(listener.awaitEnd()).isNull();
    assertThat(listener.items).isEqualTo(IntStream.range(0, 100).mapToObj(i -> "item-" + i).toList());
  }

  @Test
  void cancelMidStreamStopsTheServersProducer() throws Exception {
    AtomicBoolean cancelOnce = new AtomicBoolean();
    RpcStream[] stream = new RpcStream[1];
    RpcTesting.RecordingListener listener = new RpcTesting.RecordingListener() {
      @Override
      public void onItem(byte[] item) {
        super.onItem(item);
        if (items.size() >= 10 && cancelOnce.compareAndSet(false, true)) {
          stream[0].cancel();
        }
      }
    };

    stream[0] = client.stream(server.key("dc1", "s1"), "test.Endless", bytes(""), LONG_DEADLINE, listener);

    RpcException end = listener.awaitEnd();
    assertThat(end.code()).isEqualTo(RpcCode.CANCELLED);
    await().atMost(Duration.ofSeconds(10)).untilTrue(producerCancelled);
    assertThat(endlessSink.get().isCancelled()).isTrue();
    producer.submit(() -> { }).get(5, TimeUnit.SECONDS);
    int producedAtCancel = produced.get();
    assertThat(listener.items).hasSizeLessThanOrEqualTo(producedAtCancel).startsWith("tick-0", "tick-1");
    await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> produced.get() == producedAtCancel);
  }

  @Test
  void errorAfterItemsReachesTheListener() throws Exception {
    RpcTesting.RecordingListener listener = new RpcTesting.RecordingListener();

    client.stream(server.key("dc1", "s1"), "test.Failing", bytes(""), LONG_DEADLINE, listener);

    RpcException end = listener.awaitEnd();
    assertThat(listener.items).isEqualTo(List.of("first"));
    assertThat(end.code()).isEqualTo(RpcCode.NOT_FOUND);
    assertThat(end.getMessage()).isEqualTo("no such thing");
  }

  @Test
  void streamDeadlineCancelsTheProducer() throws Exception {
    RpcTesting.RecordingListener listener = new RpcTesting.RecordingListener();

    client.stream(server.key("dc1", "s1"), "test.Endless", bytes(""), Duration.ofMillis(200), listener);

    assertThat(listener.awaitEnd().code()).isEqualTo(RpcCode.DEADLINE_EXCEEDED);
    assertThat(listener.items).isNotEmpty();
    await().atMost(Duration.ofSeconds(10)).untilTrue(producerCancelled);
  }
}
