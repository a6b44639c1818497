package io.meshfed.server.acl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The rules of one ACL policy, in the shape of Consul's JSON policy rules:
 * <pre>
 * { "operator": "read",   "acl": "write",
 *   "node": { "n1": { "policy": "write" } },       "node_prefix": { "": { "policy": "read" } },
 *   "service": { "web": { "policy": "write" } },   "service_prefix": { "": { "policy": "read" } } }
 * </pre>
 * A name's exact rule wins over prefix rules, and the longest matching prefix over shorter ones;
 * {@code ""} as a prefix matches every name. {@code acl} (managing tokens and policies) is granted
 * only by a rule: the default policy {@code allow} never grants it.
 */
public record Rules(Optional<Access> operator, Optional<Access> acl, Map<String, Access> node,
    Map<String, Access> nodePrefix, Map<String, Access> service, Map<String, Access> servicePrefix) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public Rules {
    node = Map.copyOf(node);
    nodePrefix = Map.copyOf(nodePrefix);
    service = Map.copyOf(service);
    servicePrefix = Map.copyOf(servicePrefix);
  }

  /** Read or write on everything: what the built-in {@code operator:read} and {@code operator:write} grant. */
  public static Rules everything(Access access) {
    return new Rules(Optional.of(access), Optional.empty(), Map.of(), Map.of("", access), Map.of(),
        Map.of("", access));
  }

  /** Write on everything, ACLs included: the built-in {@code global-management}. */
  public static Rules management() {
    Rules all = everything(Access.WRITE);
    return new Rules(all.operator(), Optional.of(Access.WRITE), all.node(), all.nodePrefix(), all.service(),
        all.servicePrefix());
  }

  /**
   * Parses rules given as JSON text, as the ACL API takes them.
   *
   * @throws IllegalArgumentException one line that says what is wrong and where
   */
  public static Rules parseJson(String json) {
    Object tree;
    try {
      tree = JSON.readValue(json, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("rules: not JSON: " + e.getOriginalMessage());
    }
    return parse(tree);
  }

  /**
   * Parses rules given as a JSON object or a HOCON object (already unwrapped to maps and strings).
   *
   * @throws IllegalArgumentException one line that says what is wrong and where
   */
  public static Rules parse(Object rules) {
    if (!(rules instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("rules must be an object such as {\"operator\": \"read\"}");
    }
    Optional<Access> operator = Optional.empty();
    Optional<Access> acl = Optional.empty();
    Map<String, Map<String, Access>> named = new LinkedHashMap<>();
    for (var e : map.entrySet()) {
      String resource = String.valueOf(e.getKey());
      switch (resource) {
        case "operator" -> operator = Optional.of(access("operator", e.getValue()));
        case "acl" -> acl = Optional.of(access("acl", e.getValue()));
        case "node", "node_prefix", "service", "service_prefix" -> named.put(resource, names(resource, e.getValue()));
        default -> throw new IllegalArgumentException("rules: unknown resource '" + resource
            + "'; use operator, acl, node, node_prefix, service or service_prefix");
      }
    }
    return new Rules(operator, acl, named.getOrDefault("node", Map.of()), named.getOrDefault("node_prefix", Map.of()),
        named.getOrDefault("service", Map.of()), named.getOrDefault("service_prefix", Map.of()));
  }

  private static Map<String, Access> names(String resource, Object value) {
    if (!(value instanceof Map<?, ?> byName)) {
      throw new IllegalArgumentException("rules: " + resource + " must map names to {\"policy\": \"read\"}");
    }
    Map<String, Access> out = new LinkedHashMap<>();
    for (var e : byName.entrySet()) {
      String name = String.valueOf(e.getKey());
      String where = resource + " \"" + name + "\"";
      if (!(e.getValue() instanceof Map<?, ?> rule) || !rule.containsKey("policy") || rule.size() != 1) {
        throw new IllegalArgumentException("rules: " + where + " must be {\"policy\": \"deny|read|write\"}");
      }
      out.put(name, access(where, rule.get("policy")));
    }
    return out;
  }

  private static Access access(String where, Object value) {
    return Access.parse(String.valueOf(value)).orElseThrow(() -> new IllegalArgumentException(
        "rules: " + where + ": policy '" + value + "' is not deny, read or write"));
  }
}
