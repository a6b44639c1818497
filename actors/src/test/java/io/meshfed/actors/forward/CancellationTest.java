package io.meshfed.actors.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CancellationTest {

  @Test
  void cancellingTheDerivedStageCancelsTheSource() {
    CompletableFuture<String> rpc = new CompletableFuture<>();
    CompletableFuture<Integer> answer = Cancellation.derived(rpc, sent -> sent.thenApply(String::length));
    answer.cancel(true);
    assertThat(rpc).isCancelled();
  }

  @Test
  void anAnsweredOrFailedSourceIsLeftAlone() {
    CompletableFuture<String> rpc = new CompletableFuture<>();
    CompletableFuture<Integer> answer = Cancellation.derived(rpc, sent -> sent.thenApply(String::length));
    rpc.complete("four");
    assertThat(answer).isCompletedWithValue(4);
    answer.cancel(true);
    assertThat(rpc).isCompletedWithValue("four");

    CompletableFuture<String> failing = new CompletableFuture<>();
    CompletableFuture<Integer> failed = Cancellation.derived(failing, sent -> sent.thenApply(String::length));
    failing.completeExceptionally(new IllegalStateException("no path"));
    assertThat(failed).isCompletedExceptionally().isNotCancelled();
  }
}
