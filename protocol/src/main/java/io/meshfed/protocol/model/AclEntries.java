package io.meshfed.protocol.model;

import java.util.List;

/**
 * A DC's ACL table: every policy (by name) and token (by accessor ID), and the store index at which
 * the ACL system was bootstrapped (0: not yet).
 */
public record AclEntries(long bootstrapIndex, List<AclPolicy> policies, List<AclToken> tokens) {
  public static final AclEntries EMPTY = new AclEntries(0, List.of(), List.of());

  public AclEntries {
    policies = policies == null ? List.of() : List.copyOf(policies);
    tokens = tokens == null ? List.of() : List.copyOf(tokens);
  }
}
