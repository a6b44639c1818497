package io.meshfed.transport.rpc;

import io.meshfed.transport.logging.RateLimitedLog;
import io.netty.channel.Channel;
import org.slf4j.LoggerFactory;

/**
 * What an {@link RpcServer} ends a call or a connection for, counted in {@link RpcServerStats} and
 * logged within the limit of its kind: clients can cause any number of protocol errors, and of
 * calls to a handler that fails on their input.
 */
final class RpcProblems {
  private final RpcServerStats stats;
  private final RateLimitedLog protocolErrors = RateLimitedLog.warn(LoggerFactory.getLogger(ServerCallDispatcher.class));
  private final RateLimitedLog handlerFailures = RateLimitedLog.warn(LoggerFactory.getLogger(ServerCallDispatcher.class));

  RpcProblems(RpcServerStats stats) {
    this.stats = stats;
  }

  RpcServerStats stats() {
    return stats;
  }

  /** The client broke the frame protocol; the caller closes the connection. */
  void protocolError(Channel channel, String reason) {
    stats.countProtocolError();
    protocolErrors.log("closing RPC connection {}: protocol error: {}", channel, reason);
  }

  /** Our handler failed: the first ones keep their stack trace. */
  void handlerFailed(String what, Throwable failure) {
    stats.countHandlerFailure();
    handlerFailures.log("{}", what, failure);
  }
}
