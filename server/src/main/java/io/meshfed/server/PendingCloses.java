package io.meshfed.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The closes a server waits for once its actor system has terminated: resources whose close
 * finishes on their own threads (Netty event loops), so that no actor thread waits for it. An actor
 * hands over the close it started when it stopped; the server registers what outlives its actors.
 * The server's stop completes when they all have ended, or after a bound.
 */
final class PendingCloses implements Consumer<CompletionStage<?>> {
  private static final Logger LOG = LoggerFactory.getLogger(PendingCloses.class);

  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private final List<Supplier<? extends CompletionStage<?>>> afterStop = new CopyOnWriteArrayList<>();

  /** A close under way, such as a stopped actor's; forgotten once it completes. */
  @Override
  public void accept(CompletionStage<?> closing) {
    CompletableFuture<?> f = closing.toCompletableFuture();
    pending.add(f);
    f.whenComplete((r, e) -> pending.remove(f));
  }

  /** A close to start once the actor system has terminated: what the actors used until the end. */
  void afterStop(Supplier<? extends CompletionStage<?>> close) {
    afterStop.add(close);
  }

  /**
   * Starts the closes registered for after the stop, then completes once every close has ended or
   * {@code bound} has passed (with a warning: the threads left end on their own). Never fails.
   */
  CompletionStage<Done> finish(Duration bound) {
    for (Supplier<? extends CompletionStage<?>> close : afterStop) {
      try {
        accept(close.get());
      } catch (RuntimeException e) {
        LOG.warn("a close at stop failed: {}", e.toString());
      }
    }
    // A close that failed has ended all the same.
    List<CompletableFuture<?>> all = new ArrayList<>();
    pending.forEach(f -> all.add(f.handle((r, e) -> null)));
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .orTimeout(bound.toMillis(), TimeUnit.MILLISECONDS)
        .handle((done, err) -> {
          if (err != null) {
            LOG.warn("{} of {} closes had not finished {} ms after the actors stopped; stopping without them",
                pending.size(), all.size(), bound.toMillis());
          }
          return Done.getInstance();
        });
  }
}
