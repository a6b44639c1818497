package io.meshfed.it;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A WAN address gone dark: every TCP packet to or from it is dropped (iptables), so a connect times
 * out and an open connection hangs without a reset, as when a WAN link or a gateway's host fails.
 * That is the case timeouts must catch; a refused or reset connection (what closing a socket gives)
 * fails at once and tests nothing. Needs root and iptables; {@link #unavailable()} says what is
 * missing. Closing it removes the rules: packets flow again and held connections may resume.
 */
final class Blackhole implements AutoCloseable {
  private final List<List<String>> drops = new ArrayList<>();

  /** Why a blackhole cannot be made here, or empty when it can. */
  static Optional<String> unavailable() {
    return NetworkCut.iptablesUnavailable();
  }

  Blackhole(InetSocketAddress address) throws Exception {
    String ip = address.getAddress().getHostAddress();
    String port = Integer.toString(address.getPort());
    // Loopback packets pass OUTPUT once: dropping both directions there leaves each end's packets unanswered.
    for (List<String> drop : List.of(
        List.of("OUTPUT", "-p", "tcp", "-d", ip, "--dport", port, "-j", "DROP"),
        List.of("OUTPUT", "-p", "tcp", "-s", ip, "--sport", port, "-j", "DROP"))) {
      NetworkCut.iptables("-I", drop);
      drops.add(drop);
    }
  }

  @Override
  public void close() throws Exception {
    while (!drops.isEmpty()) {
      NetworkCut.iptables("-D", drops.remove(drops.size() - 1));
    }
  }
}
