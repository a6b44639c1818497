package io.meshfed.actors.forward;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A stage derived with {@code thenApply} or {@code exceptionally} forgets where it came from:
 * cancelling it leaves the source running. For a forwarded call the source is an RPC whose cancel
 * frees the call in the other DC, so cancellation is passed back to it.
 */
public final class Cancellation {
  private Cancellation() {}

  /** {@code derive(source)}, whose cancellation also cancels {@code source}. */
  public static <S, T> CompletableFuture<T> derived(CompletionStage<S> source,
      Function<CompletableFuture<S>, CompletionStage<T>> derive) {
    CompletableFuture<S> from = source.toCompletableFuture();
    CompletableFuture<T> to = derive.apply(from).toCompletableFuture();
    to.whenComplete((value, error) -> {
      if (to.isCancelled()) {
        from.cancel(true);
      }
    });
    return to;
  }
}
