package io.meshfed.transport.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

final class RpcTesting {
  static final Duration LONG_DEADLINE = Duration.ofSeconds(30);

  private RpcTesting() {}

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  static RpcClient plainClient(RpcClientOptions options) {
    return new RpcClient(new PlainConnector(Duration.ofSeconds(5)), options);
  }

  static String await(CompletionStage<byte[]> stage) throws Exception {
    return text(stage.toCompletableFuture().get(20, TimeUnit.SECONDS));
  }

  static RpcException failure(CompletionStage<?> stage) {
    Throwable thrown = catchThrowable(() -> stage.toCompletableFuture().get(20, TimeUnit.SECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class);
    assertThat(thrown.getCause()).isInstanceOf(RpcException.class);
    return (RpcException) thrown.getCause();
  }

  /** Records what a stream delivered; {@link #done} completes with the terminal signal. */
  static class RecordingListener implements StreamListener {
    final List<String> items = new CopyOnWriteArrayList<>();
    final CompletableFuture<RpcException> done = new CompletableFuture<>();

    @Override
    public void onItem(byte[] item) {
      items.add(text(item));
    }

    @Override
    public void onEnd() {
      done.complete(null);
    }

    @Override
    public void onError(RpcException error) {
      done.complete(error);
    }

    RpcException awaitEnd() throws Exception {
      return done.get(20, TimeUnit.SECONDS);
    }
  }
}
