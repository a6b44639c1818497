package io.meshfed.cli.output;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The tables of {@code meshfed acl ...}. */
public final class AclView {
  private AclView() {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Policy(@JsonProperty("Name") String name, @JsonProperty("Description") String description,
      @JsonProperty("Rules") String rules, @JsonProperty("ModifyIndex") long modifyIndex) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PolicyLink(@JsonProperty("Name") String name) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Token(@JsonProperty("AccessorID") String accessorId, @JsonProperty("SecretID") String secretId,
      @JsonProperty("Description") String description, @JsonProperty("Policies") List<PolicyLink> policies,
      @JsonProperty("CreateTime") String createTime) {
    public Token {
      policies = policies == null ? List.of() : List.copyOf(policies);
    }

    String policyNames() {
      return String.join(",", policies.stream().map(PolicyLink::name).toList());
    }
  }

  /** One token, as {@code key: value} lines; the secret only when the answer carries it (a new token). */
  public static String token(Token t) {
    StringBuilder out = new StringBuilder();
    out.append("AccessorID:   ").append(t.accessorId()).append('\n');
    if (t.secretId() != null && !t.secretId().isEmpty()) {
      out.append("SecretID:     ").append(t.secretId()).append("   (shown once: store it now)\n");
    }
    out.append("Description:  ").append(nullToEmpty(t.description())).append('\n');
    out.append("Policies:     ").append(t.policyNames()).append('\n');
    out.append("CreateTime:   ").append(nullToEmpty(t.createTime())).append('\n');
    return out.toString();
  }

  public static String tokens(List<Token> tokens) {
    if (tokens.isEmpty()) {
      return "No tokens.\n";
    }
    Table table = new Table("ACCESSOR-ID", "DESCRIPTION", "POLICIES", "CREATED");
    tokens.forEach(t -> table.row(t.accessorId(), nullToEmpty(t.description()), t.policyNames(),
        nullToEmpty(t.createTime())));
    return table.render();
  }

  public static String policy(Policy p) {
    return "Name:         " + p.name() + "\nDescription:  " + nullToEmpty(p.description()) + "\nRules:        "
        + nullToEmpty(p.rules()) + "\n";
  }

  public static String policies(List<Policy> policies) {
    if (policies.isEmpty()) {
      return "No policies.\n";
    }
    Table table = new Table("NAME", "DESCRIPTION", "RULES");
    policies.forEach(p -> table.row(p.name(), nullToEmpty(p.description()), nullToEmpty(p.rules())));
    return table.render();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
