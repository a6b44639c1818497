package io.meshfed.server.acl;

import java.util.Optional;

/** The ACL policies a token can hold (docs/configuration.md, "ACLs"); write implies read. */
public enum Policy {
  OPERATOR_READ("operator:read"),
  OPERATOR_WRITE("operator:write");

  private final String text;

  Policy(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  public boolean allows(Policy needed) {
    return this == OPERATOR_WRITE || needed == OPERATOR_READ;
  }

  public static Optional<Policy> parse(String text) {
    for (Policy p : values()) {
      if (p.text.equals(text)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
