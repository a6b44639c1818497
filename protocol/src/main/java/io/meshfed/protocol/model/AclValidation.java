package io.meshfed.protocol.model;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks every stored ACL policy and token passes, in the primary and in each replica: the
 * shape of its fields, not the meaning of its rules (the server parses those before it writes).
 */
public final class AclValidation {
  /** Consul's policy names; built-in policies have a ':' in theirs, so no stored one shadows them. */
  private static final Pattern POLICY_NAME = Pattern.compile("[A-Za-z0-9_-]{1," + Limits.MAX_ACL_POLICY_NAME_LENGTH + "}");
  private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /** Field names, indexes and a time per entry, as CBOR spells them out. */
  private static final int ENTRY_ALLOWANCE = 128;

  private AclValidation() {}

  public static boolean validPolicyName(String name) {
    return name != null && POLICY_NAME.matcher(name).matches();
  }

  /** Whether {@code id} is a UUID in the lower-case form the server generates and Consul uses for IDs. */
  public static boolean isUuid(String id) {
    return id != null && UUID.matcher(id).matches();
  }

  public static Optional<String> policyError(AclPolicy p) {
    if (!validPolicyName(p.name())) {
      return Optional.of("invalid policy name " + Quote.of(p.name()) + ": use 1 to "
          + Limits.MAX_ACL_POLICY_NAME_LENGTH + " letters, digits, '-' and '_'");
    }
    int rules = p.rules().getBytes(StandardCharsets.UTF_8).length;
    if (rules > Limits.MAX_ACL_RULES_BYTES) {
      return Optional.of("policy " + Quote.of(p.name()) + ": its rules are " + rules + " bytes, over the limit of "
          + Limits.MAX_ACL_RULES_BYTES);
    }
    return descriptionError("policy " + Quote.of(p.name()), p.description());
  }

  public static Optional<String> tokenError(AclToken t) {
    if (!isUuid(t.accessorId())) {
      return Optional.of("invalid token accessor ID " + Quote.of(t.accessorId()) + ": must be a lower-case UUID");
    }
    String what = "token " + t.accessorId();
    if (!SHA256_HEX.matcher(t.secretHash()).matches()) {
      return Optional.of(what + ": the secret hash must be 64 lower-case hex digits (SHA-256)");
    }
    if (t.policies().size() > Limits.MAX_POLICIES_PER_TOKEN) {
      return Optional.of(what + ": " + t.policies().size() + " policies, over the limit of "
          + Limits.MAX_POLICIES_PER_TOKEN);
    }
    Set<String> seen = new HashSet<>();
    for (String policy : t.policies()) {
      if (policy == null || policy.isEmpty() || policy.length() > Limits.MAX_NAME_LENGTH
          || Validation.hasControl(policy, false)) {
        return Optional.of(what + ": invalid policy name " + Quote.of(String.valueOf(policy)));
      }
      if (!seen.add(policy)) {
        return Optional.of(what + ": policy " + Quote.of(policy) + " is named twice");
      }
    }
    return descriptionError(what, t.description());
  }

  /** What a policy adds to the ACL table's size: its strings and an allowance for its field names. */
  public static long encodedSize(AclPolicy p) {
    return ENTRY_ALLOWANCE + utf8(p.name()) + utf8(p.description()) + utf8(p.rules());
  }

  /** What a token adds to the ACL table's size: its strings and an allowance for its field names. */
  public static long encodedSize(AclToken t) {
    long size = ENTRY_ALLOWANCE + utf8(t.accessorId()) + utf8(t.secretHash()) + utf8(t.description());
    for (String policy : t.policies()) {
      size += utf8(policy) + 2;
    }
    return size;
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static Optional<String> descriptionError(String what, String description) {
    int bytes = description.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > Limits.MAX_ACL_DESCRIPTION_BYTES) {
      return Optional.of(what + ": the description is " + bytes + " bytes, over the limit of "
          + Limits.MAX_ACL_DESCRIPTION_BYTES);
    }
    if (Validation.hasControl(description, false)) {
      return Optional.of(what + ": control characters are not allowed in the description");
    }
    return Optional.empty();
  }
}
