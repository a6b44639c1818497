package io.meshfed.actors.store;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.persistence.store.DcStore;
import java.time.Duration;

/**
 * A read's routing and blocking options: {@code datacenter} serves it (empty: this server's), and
 * with {@code minIndex > 0} it waits until the result's index passes {@code minIndex} or {@code
 * wait} runs out (zero: the store's default). The endpoints check them with {@code RequestValidation.requireValid}
 * when they serve a read, so that every front gets the same error as a failed call, not as an
 * exception thrown while it builds the options.
 */
public record QueryOptions(String datacenter, long minIndex, Duration maxWait) {

  public QueryOptions {
    datacenter = datacenter == null ? "" : datacenter;
    maxWait = maxWait == null ? Duration.ZERO : maxWait;
  }

  public QueryOptions withMinIndex(long index) {
    return new QueryOptions(datacenter, index, maxWait);
  }

  /**
   * The longest the store may take to answer: the wait as the store applies it (default when zero,
   * capped) plus its largest jitter, 1/16; zero for a read that does not block. Whoever waits for
   * the answer adds its own margin to this.
   */
  public Duration longestWait() {
    return longestWait(minIndex, maxWait);
  }

  /** {@link #longestWait()} of a read from {@code minIndex} that waits up to {@code maxWait}. */
  public static Duration longestWait(long minIndex, Duration maxWait) {
    if (minIndex == 0) {
      return Duration.ZERO;
    }
    Duration wait = maxWait.isZero() || maxWait.isNegative() ? DcStore.DEFAULT_WAIT
        : maxWait.compareTo(DcStore.MAX_WAIT) > 0 ? DcStore.MAX_WAIT : maxWait;
    return wait.plus(wait.dividedBy(16));
  }
}
