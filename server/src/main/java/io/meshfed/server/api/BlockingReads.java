package io.meshfed.server.api;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.actors.store.QueryOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Bounds the blocking reads (and watch rounds) the client APIs have waiting at once. Each waits
 * in the store for up to ten minutes, so connections times streams could otherwise park hundreds of
 * thousands; a read over the bound is answered at once with UNAVAILABLE. The server's own routines
 * and calls from other DCs do not go through here and are never held back by API clients.
 */
public final class BlockingReads {
  private final int max;
  private final AtomicInteger waiting = new AtomicInteger();

  public BlockingReads(int max) {
    this.max = max;
  }

  /** Runs {@code read}, counted while it waits when {@code q} makes it block. */
  public <T> CompletionStage<T> run(QueryOptions q, Supplier<CompletionStage<T>> read) {
    if (q.minIndex() == 0) {
      return read.get();
    }
    if (!tryEnter()) {
      return CompletableFuture.failedFuture(refusal());
    }
    try {
      return read.get().whenComplete((value, failure) -> leave());
    } catch (RuntimeException e) {
      leave();
      throw e;
    }
  }

  /** For callers that hold the slot across more than one stage: true if one was free. */
  public boolean tryEnter() {
    if (waiting.incrementAndGet() > max) {
      waiting.decrementAndGet();
      return false;
    }
    return true;
  }

  public void leave() {
    waiting.decrementAndGet();
  }

  /** Reads waiting right now. */
  public int waiting() {
    return waiting.get();
  }

  public ApiException refusal() {
    return new ApiException(ApiException.Code.UNAVAILABLE, "too many blocking reads are waiting: " + max
        + " (meshfed.limits.blocking-reads); retry");
  }
}
