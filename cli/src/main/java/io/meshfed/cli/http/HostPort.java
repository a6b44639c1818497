package io.meshfed.cli.http;

/** A {@code HOST:PORT} address; IPv6 hosts are written in brackets, as in a URL. */
public record HostPort(String host, int port) {

  public static HostPort parse(String s) {
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("expected HOST:PORT, got '" + s + "'");
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0 || s.indexOf(':') != colon) {
        throw new IllegalArgumentException("expected HOST:PORT (IPv6 as [ADDR]:PORT), got '" + s + "'");
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
    }
    if (host.isBlank()) {
      throw new IllegalArgumentException("expected HOST:PORT, the host is missing in '" + s + "'");
    }
    return new HostPort(host, parsePort(port, s));
  }

  private static int parsePort(String port, String whole) {
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid port '" + port + "' in '" + whole + "'");
    }
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("port must be 1 to 65535, got " + p + " in '" + whole + "'");
    }
    return p;
  }

  /** Formats an address for display: brackets around IPv6 hosts so the port stays readable. */
  public static String format(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return format(host, port);
  }
}
