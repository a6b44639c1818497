package io.meshfed.server.api.listener;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Counts a listener's open connections, in all and per client address, and admits a new one only
 * within {@link ConnectionLimits}. Accepting happens on one stream, closing on many, so it locks.
 */
final class ConnectionCounter {
  private final ConnectionLimits limits;
  private final Map<InetAddress, Integer> perClient = new HashMap<>();
  private int total;

  ConnectionCounter(ConnectionLimits limits) {
    this.limits = limits;
  }

  /** Counts the connection in, or says why it may not open; a refused one is not counted. */
  synchronized Optional<ProtocolStack.Refusal> admit(InetAddress client) {
    int fromClient = perClient.getOrDefault(client, 0);
    if (fromClient >= limits.maxConnectionsPerClient()) {
      return Optional.of(new ProtocolStack.Refusal(ProtocolStack.Refusal.Kind.PER_CLIENT_LIMIT, "too many connections from " + client.getHostAddress() + ": "
          + fromClient + " are open, the limit is " + limits.maxConnectionsPerClient() + " ("
          + limits.option() + ".max-connections-per-client)"));
    }
    if (total >= limits.maxConnections()) {
      return Optional.of(new ProtocolStack.Refusal(ProtocolStack.Refusal.Kind.TOTAL_LIMIT, "too many connections: " + total + " are open, the limit is "
          + limits.maxConnections() + " (" + limits.option() + ".max-connections); retry later"));
    }
    perClient.put(client, fromClient + 1);
    total++;
    return Optional.empty();
  }

  synchronized void release(InetAddress client) {
    perClient.computeIfPresent(client, (address, n) -> n == 1 ? null : n - 1);
    total--;
  }

  synchronized int open() {
    return total;
  }
}
