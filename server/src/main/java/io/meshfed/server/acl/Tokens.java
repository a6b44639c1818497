package io.meshfed.server.acl;

import java.util.Optional;

/** Where a request carries its ACL token: {@code X-Meshfed-Token}, or {@code Authorization: Bearer T}. */
public final class Tokens {
  /** The header (HTTP) and metadata key (gRPC, lower case) of the token. */
  public static final String HEADER = "X-Meshfed-Token";

  private Tokens() {}

  /** The token, or null when the request carries none. */
  public static String of(Optional<String> tokenHeader, Optional<String> authorization) {
    return tokenHeader.orElseGet(() -> authorization
        .filter(a -> a.regionMatches(true, 0, "Bearer ", 0, 7)).map(a -> a.substring(7).trim())
        .orElse(null));
  }
}
