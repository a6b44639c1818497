package io.meshfed.actors.endpoint;

import java.time.Duration;

/**
 * A read's routing and blocking options: {@code datacenter} serves it (empty: this server's), and
 * with {@code minIndex > 0} it waits until the result's index passes {@code minIndex} or {@code
 * wait} runs out (zero: the store's default). The endpoints check them with {@link #requireValid()}
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

  /** Before anything is read, forwarded or dialled: a DC the read can be sent to, an index not below 0. */
  void requireValid() {
    if (minIndex < 0) {
      throw ApiException.invalid("Invalid index: must not be negative");
    }
    RequestValidation.requireValidTarget(datacenter);
  }
}
