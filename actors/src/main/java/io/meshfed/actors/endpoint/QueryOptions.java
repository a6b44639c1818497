package io.meshfed.actors.endpoint;

import java.time.Duration;

/**
 * A read's routing and blocking options: {@code datacenter} serves it (empty: this server's), and
 * with {@code minIndex > 0} it waits until the result's index passes {@code minIndex} or {@code
 * wait} runs out (zero: the store's default).
 */
public record QueryOptions(String datacenter, long minIndex, Duration maxWait) {

  public QueryOptions {
    datacenter = datacenter == null ? "" : datacenter;
    maxWait = maxWait == null ? Duration.ZERO : maxWait;
    if (minIndex < 0) {
      throw ApiException.invalid("Invalid index: must not be negative");
    }
  }

  public QueryOptions withMinIndex(long index) {
    return new QueryOptions(datacenter, index, maxWait);
  }
}
