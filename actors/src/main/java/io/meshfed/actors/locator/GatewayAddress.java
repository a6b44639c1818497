package io.meshfed.actors.locator;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * One gateway address: its text {@code host:port} (an IPv6 host in brackets, Consul's
 * {@code ipaddr.FormatAddressPort}), which is what lists are sorted and compared by, and the
 * address to dial. The address is unresolved: the dial resolves it every time, so a hostname
 * follows DNS changes.
 */
public record GatewayAddress(String text, InetSocketAddress address) implements Comparable<GatewayAddress> {

  public static GatewayAddress of(String host, int port) {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    String text = bare.contains(":") ? "[" + bare + "]:" + port : bare + ":" + port;
    return new GatewayAddress(text, InetSocketAddress.createUnresolved(bare, port));
  }

  /** {@code HOST:PORT}, {@code [IPv6]:PORT} or a bare IPv6 literal followed by {@code :PORT}. */
  public static GatewayAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return of(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /** Sorted by text without duplicates (Consul's MergeSorted of two sorted lists). */
  public static List<GatewayAddress> sortedUnion(Collection<GatewayAddress> a, Collection<GatewayAddress> b) {
    TreeMap<String, GatewayAddress> out = new TreeMap<>();
    a.forEach(g -> out.putIfAbsent(g.text(), g));
    b.forEach(g -> out.putIfAbsent(g.text(), g));
    return List.copyOf(out.values());
  }

  static List<String> texts(Collection<GatewayAddress> gateways) {
    List<String> out = new ArrayList<>(gateways.size());
    gateways.forEach(g -> out.add(g.text()));
    return List.copyOf(out);
  }

  @Override
  public int compareTo(GatewayAddress other) {
    return text.compareTo(other.text);
  }

  @Override
  public String toString() {
    return text;
  }
}
