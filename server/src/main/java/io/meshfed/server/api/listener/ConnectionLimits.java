package io.meshfed.server.api.listener;

import java.time.Duration;
import java.util.Objects;

/**
 * What one API listener allows a connection before it does any work for it.
 *
 * @param maxConnections open connections in all; more are answered with one refusal and closed
 * @param maxConnectionsPerClient open connections from one client address; more are refused the
 *     same way, so one client cannot take every connection
 * @param firstRequestTimeout a connection must deliver a complete request head this soon after it
 *     opens (HTTP/1.1: also after the first byte of each later request); silent and trickling
 *     clients are closed when it ends
 * @param idleTimeout a connection with no request in progress for this long is closed; a request
 *     in progress (a blocking read, a watch) never counts as idle
 * @param option the configuration block these come from, named in every refusal
 */
public record ConnectionLimits(int maxConnections, int maxConnectionsPerClient, Duration firstRequestTimeout,
    Duration idleTimeout, String option) {

  public ConnectionLimits {
    if (maxConnections < 1 || maxConnectionsPerClient < 1) {
      throw new IllegalArgumentException("connection limits must be at least 1");
    }
    Objects.requireNonNull(firstRequestTimeout, "firstRequestTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(option, "option");
  }
}
