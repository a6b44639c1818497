package io.meshfed.cli.http;

import java.util.Locale;

/**
 * Where a server's HTTP API is: {@code HOST:PORT} or {@code http://HOST:PORT} for the plain-text
 * port, {@code https://HOST:PORT} for the HTTPS port.
 */
public record ApiAddress(boolean tls, HostPort hostPort) {
  private static final String HTTP = "http://";
  private static final String HTTPS = "https://";

  public static ApiAddress parse(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.startsWith(HTTPS)) {
      return new ApiAddress(true, HostPort.parse(withoutSlash(s.substring(HTTPS.length()))));
    }
    if (lower.startsWith(HTTP)) {
      return new ApiAddress(false, HostPort.parse(withoutSlash(s.substring(HTTP.length()))));
    }
    if (lower.contains("://")) {
      throw new IllegalArgumentException("expected http:// or https://, got '" + s + "'");
    }
    return new ApiAddress(false, HostPort.parse(s));
  }

  private static String withoutSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** The URL the paths are appended to. */
  public String baseUrl() {
    return (tls ? HTTPS : HTTP) + hostPort;
  }

  /** As a user writes it: {@code HOST:PORT}, or {@code https://HOST:PORT}. */
  @Override
  public String toString() {
    return tls ? HTTPS + hostPort : hostPort.toString();
  }
}
