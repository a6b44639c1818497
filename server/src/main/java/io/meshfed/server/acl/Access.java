package io.meshfed.server.acl;

import java.util.Locale;
import java.util.Optional;

/**
 * What a rule grants on a resource, Consul's dispositions: {@code write} includes {@code read};
 * {@code deny} grants nothing and, where two policies of one token name the same resource, wins.
 */
public enum Access {
  DENY, READ, WRITE;

  public boolean allows(Access needed) {
    return needed != DENY && compareTo(needed) >= 0;
  }

  /** Of two rules for the same resource in a token's policies: deny first, then the wider grant. */
  static Access merge(Access a, Access b) {
    if (a == DENY || b == DENY) {
      return DENY;
    }
    return a.compareTo(b) >= 0 ? a : b;
  }

  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Access> parse(String text) {
    return switch (text) {
      case "deny" -> Optional.of(DENY);
      case "read" -> Optional.of(READ);
      case "write" -> Optional.of(WRITE);
      default -> Optional.empty();
    };
  }
}
