package io.meshfed.server.acl;

import java.util.Map;

/**
 * The policies every server knows without being told: a token may name them in a server's
 * configuration and in the store. Their names hold a ':' or are reserved, so no stored policy
 * (letters, digits, '-' and '_') can take them... except {@code global-management}, which the
 * policy API refuses by name.
 */
public final class BuiltInPolicies {
  /** Write on everything, ACL management included: what the bootstrap token carries. */
  public static final String GLOBAL_MANAGEMENT = "global-management";

  /** Read or write on everything but ACLs, as the first meshfed versions had them, and management. */
  public static final Map<String, Rules> ALL = Map.of(
      "operator:read", Rules.everything(Access.READ),
      "operator:write", Rules.everything(Access.WRITE),
      GLOBAL_MANAGEMENT, Rules.management());

  private BuiltInPolicies() {}
}
