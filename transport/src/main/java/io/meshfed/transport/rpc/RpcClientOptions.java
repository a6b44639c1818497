package io.meshfed.transport.rpc;

import io.meshfed.transport.limit.ConnectionAge;
import java.time.Duration;

/**
 * Settings of an {@link RpcClient}.
 *
 * @param maxFrameBytes largest frame accepted from a server and sent to it
 * @param idleTimeout a pooled connection without calls or traffic for this long is closed
 * @param keepaliveInterval with calls in flight and nothing received for this long, a PING is sent;
 *     if another interval passes in silence the connection is considered dead
 * @param maxConnectionAge a pooled connection this old (less up to 10 % jitter, drawn per connection)
 *     leaves the pool, takes no new calls and closes once its calls have ended; see {@link ConnectionAge}
 * @param ioThreads event loop threads of the client
 */
public record RpcClientOptions(int maxFrameBytes, Duration idleTimeout, Duration keepaliveInterval,
                               Duration maxConnectionAge, int ioThreads) {
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(2);
  public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_MAX_CONNECTION_AGE = ConnectionAge.DEFAULT_MAX;

  public RpcClientOptions {
    if (maxFrameBytes < Frame.HEADER_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes must be at least " + Frame.HEADER_BYTES);
    }
    requirePositive(idleTimeout, "idleTimeout");
    requirePositive(keepaliveInterval, "keepaliveInterval");
    requirePositive(maxConnectionAge, "maxConnectionAge");
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads must be at least 1");
    }
  }

  public static RpcClientOptions defaults() {
    return new RpcClientOptions(RpcServer.DEFAULT_MAX_FRAME_BYTES, DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEPALIVE_INTERVAL,
        DEFAULT_MAX_CONNECTION_AGE, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  public RpcClientOptions withMaxFrameBytes(int value) {
    return new RpcClientOptions(value, idleTimeout, keepaliveInterval, maxConnectionAge, ioThreads);
  }

  public RpcClientOptions withIdleTimeout(Duration value) {
    return new RpcClientOptions(maxFrameBytes, value, keepaliveInterval, maxConnectionAge, ioThreads);
  }

  public RpcClientOptions withKeepaliveInterval(Duration value) {
    return new RpcClientOptions(maxFrameBytes, idleTimeout, value, maxConnectionAge, ioThreads);
  }

  public RpcClientOptions withMaxConnectionAge(Duration value) {
    return new RpcClientOptions(maxFrameBytes, idleTimeout, keepaliveInterval, value, ioThreads);
  }

  public RpcClientOptions withIoThreads(int value) {
    return new RpcClientOptions(maxFrameBytes, idleTimeout, keepaliveInterval, maxConnectionAge, value);
  }

  private static void requirePositive(Duration value, String name) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
