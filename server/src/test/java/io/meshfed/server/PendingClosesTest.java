package io.meshfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.junit.jupiter.api.Test;

class PendingClosesTest {
  @Test
  void theStopWaitsForClosesUnderWayAndStartsTheDeferredOnesAfterTheActors() throws Exception {
    PendingCloses closes = new PendingCloses();
    CompletableFuture<Void> underWay = new CompletableFuture<>();
    CompletableFuture<Void> deferred = new CompletableFuture<>();
    AtomicInteger deferredStarts = new AtomicInteger();
    closes.accept(underWay);
    closes.accept(CompletableFuture.failedFuture(new IllegalStateException("a close that failed has ended")));
    closes.afterStop(() -> {
      deferredStarts.incrementAndGet();
      return deferred;
    });
    assertThat(deferredStarts).as("not before the stop").hasValue(0);

    CompletableFuture<?> finished = closes.finish(Duration.ofSeconds(30)).toCompletableFuture();
    assertThat(deferredStarts).hasValue(1);
    underWay.complete(null);
    assertThat(finished).isNotDone();
    deferred.complete(null);
    finished.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aCloseThatNeverEndsHoldsTheStopOnlyUpToTheBound() throws Exception {
    PendingCloses closes = new PendingCloses();
    closes.accept(new CompletableFuture<Void>());

    CompletableFuture<Done> finished = closes.finish(Duration.ofMillis(200)).toCompletableFuture();

    assertThat(finished.get(5, TimeUnit.SECONDS)).isEqualTo(Done.getInstance());
  }
}
