package io.meshfed.protocol.names;

import io.meshfed.protocol.model.Quote;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * DC names, node names, SNI names and WAN member names. Every rule about how these are
 * spelled lives here so that the server, the gateway and the CLI cannot drift apart.
 */
public final class Names {
  public static final String DEFAULT_DOMAIN = "meshfed";

  private static final Pattern DATACENTER = Pattern.compile("[a-z0-9_-]{1,63}");
  // RFC 1123 §2.1 host-name labels, with '_' tolerated as Consul does for node names.
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
  private static final int MAX_NODE_NAME = 253;

  private Names() {}

  /** Returns an error message when {@code dc} is not a valid DC name, empty otherwise. */
  public static Optional<String> datacenterError(String dc) {
    if (dc == null || dc.isEmpty()) {
      return Optional.of("datacenter name is empty");
    }
    if (!DATACENTER.matcher(dc).matches()) {
      return Optional.of("invalid datacenter name " + Quote.single(dc)
          + ": use 1 to 63 characters of a-z, 0-9, '_' and '-' (no dots, no upper case)");
    }
    return Optional.empty();
  }

  /**
   * Returns an error message when {@code node} is not a valid node name, empty otherwise. Dots are
   * allowed, so FQDN node names work (unlike Consul, issue #12614); '/' never is.
   */
  public static Optional<String> nodeNameError(String node) {
    if (node == null || node.isEmpty()) {
      return Optional.of("node name is empty");
    }
    if (node.indexOf('/') >= 0) {
      return Optional.of("invalid node name " + Quote.single(node) + ": it must not contain '/'");
    }
    if (node.length() > MAX_NODE_NAME) {
      return Optional.of("invalid node name " + Quote.single(node) + ": longer than " + MAX_NODE_NAME + " characters");
    }
    for (String label : node.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        return Optional.of("invalid node name " + Quote.single(node)
            + ": each dot-separated part must be 1 to 63 letters, digits, '-' or '_', not starting or ending with '-'");
      }
    }
    return Optional.empty();
  }

  /** Lower-cased key under which a DC's records are stored: DC lookups are case-insensitive. */
  public static String datacenterKey(String dc) {
    return dc.toLowerCase(Locale.ROOT);
  }

  /** {@code <node>.server.<dc>.<domain>}: the SNI name of one server. */
  public static String serverSni(String node, String dc, String domain) {
    return node + ".server." + dc + "." + domain;
  }

  /** {@code server.<dc>.<domain>}: the SNI name of any server of a DC. */
  public static String anyServerSni(String dc, String domain) {
    return "server." + dc + "." + domain;
  }

  /**
   * Parses an SNI name by suffix: {@code [<node>.]server.<dc>.<domain>}. Since node names may hold
   * dots, the DC is the label right before the domain and the node is everything before
   * {@code .server.<dc>}.
   */
  public static Optional<ServerName> parseSni(String sni, String domain) {
    if (sni == null) {
      return Optional.empty();
    }
    String name = sni.endsWith(".") ? sni.substring(0, sni.length() - 1) : sni;
    String suffix = "." + domain;
    if (!name.toLowerCase(Locale.ROOT).endsWith(suffix.toLowerCase(Locale.ROOT))) {
      return Optional.empty();
    }
    String rest = name.substring(0, name.length() - suffix.length());
    int lastDot = rest.lastIndexOf('.');
    if (lastDot < 0) {
      return Optional.empty();
    }
    String dc = rest.substring(lastDot + 1);
    String beforeDc = rest.substring(0, lastDot);
    if (datacenterError(dc).isPresent()) {
      return Optional.empty();
    }
    if (beforeDc.equals("server")) {
      return Optional.of(new ServerName(Optional.empty(), dc));
    }
    if (!beforeDc.endsWith(".server")) {
      return Optional.empty();
    }
    String node = beforeDc.substring(0, beforeDc.length() - ".server".length());
    if (nodeNameError(node).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(new ServerName(Optional.of(node), dc));
  }

  /** {@code <node>.<dc>}: a server's name in the WAN membership. */
  public static String wanMemberName(String node, String dc) {
    return node + "." + dc;
  }

  /** Splits a WAN member name on its last dot: node names may contain dots, DC names may not. */
  public static Optional<WanMemberName> parseWanMemberName(String member) {
    if (member == null) {
      return Optional.empty();
    }
    int lastDot = member.lastIndexOf('.');
    if (lastDot <= 0 || lastDot == member.length() - 1) {
      return Optional.empty();
    }
    String node = member.substring(0, lastDot);
    String dc = member.substring(lastDot + 1);
    if (nodeNameError(node).isPresent() || datacenterError(dc).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(new WanMemberName(node, dc));
  }

  /** A parsed server SNI name; {@code node} is empty for "any server of the DC". */
  public record ServerName(Optional<String> node, String datacenter) {}

  public record WanMemberName(String node, String datacenter) {}
}
