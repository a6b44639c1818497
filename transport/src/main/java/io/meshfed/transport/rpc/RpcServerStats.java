package io.meshfed.transport.rpc;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one {@link RpcServer}, over all its connections, safe to read from any thread. */
public final class RpcServerStats {
  private final AtomicLong protocolErrors = new AtomicLong();
  private final AtomicLong handlerFailures = new AtomicLong();

  RpcServerStats() {}

  /** Connections closed because the client broke the frame protocol. */
  public long protocolErrors() {
    return protocolErrors.get();
  }

  /** Calls a handler failed (answered INTERNAL) and connections closed after an unexpected error. */
  public long handlerFailures() {
    return handlerFailures.get();
  }

  void countProtocolError() {
    protocolErrors.incrementAndGet();
  }

  void countHandlerFailure() {
    handlerFailures.incrementAndGet();
  }
}
