package io.meshfed.protocol.model;

import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.names.WireConstants;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules on everything the APIs store: catalog registrations, check updates and federation
 * states. The endpoints check a request with them before anything is stored, forwarded or dialled,
 * and the store checks again before it journals, for writers that reach it directly. Each rule
 * answers the first problem as one line that quotes the input through {@link Quote}; the numbers
 * are in {@link Limits}.
 */
public final class Validation {
  /** Consul's service kinds; "" is a typical service. */
  private static final Set<String> SERVICE_KINDS = Set.of("", "connect-proxy", WireConstants.KIND_MESH_GATEWAY,
      "terminating-gateway", "ingress-gateway", "api-gateway");

  private static final Pattern META_KEY = Pattern.compile("[a-zA-Z0-9_-]+");
  private static final Pattern TAGGED_ADDRESS_KEY =
      Pattern.compile("[A-Za-z0-9_-]{1," + Limits.MAX_TAGGED_ADDRESS_KEY_LENGTH + "}");
  /** What Consul's agent puts after an output it cut: "%s ... (captured %d of %d bytes)". */
  private static final String CUT_START = " ... (captured ";
  private static final String CUT_END = " bytes)";
  private static final Pattern CUT_COUNTS = Pattern.compile("(\\d{1,10}) of (\\d{1,10})");

  private Validation() {}

  // ---- registrations ----

  /**
   * The first problem with a catalog registration (the checks' outputs already truncated), or empty.
   * What depends on the catalog (the services checks refer to, the totals) is the store's to check.
   */
  public static Optional<String> registrationError(Node node, NodeService service, List<HealthCheck> checks) {
    Optional<String> error = nodeError(node);
    if (error.isEmpty() && service != null) {
      error = serviceError(service, false);
    }
    if (error.isEmpty()) {
      error = checksError(node.node(), checks);
    }
    if (error.isPresent()) {
      return error;
    }
    int size = ProtoConvert.encodedSize(node, service, checks);
    return size > Limits.MAX_REGISTRATION_BYTES
        ? Optional.of("the registration is " + size + " bytes encoded, over the limit of "
            + Limits.MAX_REGISTRATION_BYTES + "; register fewer or shorter checks, tags and meta")
        : Optional.empty();
  }

  /** Consul's check statuses; a check registered without one starts critical. */
  public static Optional<String> checkStatusError(String status) {
    return HealthCheck.STATUSES.contains(status) ? Optional.empty()
        : Optional.of("invalid check status " + Quote.single(status) + ": use passing, warning or critical");
  }

  /** A check's Output, from a check update or a registration (truncate it first). */
  public static Optional<String> checkOutputError(String checkId, String output) {
    // A cut output is the limit plus the marker, and stays as it is.
    return textError("check " + Quote.of(checkId) + " output", output,
        isTruncated(output) ? Integer.MAX_VALUE : Limits.MAX_CHECK_OUTPUT_BYTES);
  }

  /**
   * Cuts an Output longer than {@link Limits#MAX_CHECK_OUTPUT_BYTES} the way Consul's agent does:
   * the first 4096 bytes (whole characters), then {@code " ... (captured 4096 of 9000 bytes)"}.
   * An output cut before is returned as it is, so cutting twice changes nothing.
   */
  public static String truncatedOutput(String output) {
    byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= Limits.MAX_CHECK_OUTPUT_BYTES || isTruncated(output)) {
      return output;
    }
    int keep = Limits.MAX_CHECK_OUTPUT_BYTES;
    // Never cut a character in two: back up to the first byte of the one at the cut.
    while ((bytes[keep] & 0xC0) == 0x80) {
      keep--;
    }
    return new String(bytes, 0, keep, StandardCharsets.UTF_8)
        + CUT_START + keep + " of " + bytes.length + CUT_END;
  }

  /** The check with its Output truncated as {@link #truncatedOutput} does. */
  public static HealthCheck withTruncatedOutput(HealthCheck check) {
    String output = truncatedOutput(check.output());
    return output.equals(check.output()) ? check : check.withStatus(check.status(), output);
  }

  // ---- federation states ----

  /** The first problem with a federation state to upsert, or empty. Its indexes are the store's and not checked. */
  public static Optional<String> federationStateError(FederationState state) {
    if (state.datacenter().isEmpty()) {
      return Optional.of("missing federation state datacenter");
    }
    Optional<String> error = Names.datacenterError(state.datacenter());
    if (error.isPresent()) {
      return error;
    }
    Instant at = state.updatedAt();
    if (at != null && (at.isBefore(Limits.MIN_UPDATED_AT) || at.isAfter(Limits.MAX_UPDATED_AT))) {
      return Optional.of("UpdatedAt " + at + " is outside " + Limits.MIN_UPDATED_AT + " to " + Limits.MAX_UPDATED_AT);
    }
    if (state.primaryModifyIndex() < 0) {
      // uint64 on the wire: a negative long is a number above Long.MAX_VALUE.
      return Optional.of("PrimaryModifyIndex must be within 0 and " + Long.MAX_VALUE);
    }
    List<CheckServiceNode> gateways = state.meshGateways();
    if (gateways.size() > Limits.MAX_MESH_GATEWAYS) {
      return Optional.of(gateways.size() + " mesh gateways exceed the limit of " + Limits.MAX_MESH_GATEWAYS);
    }
    for (int i = 0; i < gateways.size(); i++) {
      error = gatewayError(gateways.get(i));
      if (error.isPresent()) {
        return Optional.of("mesh gateway " + (i + 1) + " " + error.get());
      }
    }
    int size = ProtoConvert.encodedSize(state);
    return size > Limits.MAX_FEDERATION_STATE_BYTES
        ? Optional.of("the federation state of " + Quote.single(state.datacenter()) + " is " + size
            + " bytes encoded, over the limit of " + Limits.MAX_FEDERATION_STATE_BYTES)
        : Optional.empty();
  }

  private static Optional<String> gatewayError(CheckServiceNode gateway) {
    if (gateway.node() == null || gateway.node().node().isEmpty()) {
      return Optional.of("has no Node");
    }
    if (gateway.service() == null || gateway.service().service().isEmpty()) {
      return Optional.of("(node " + Quote.of(gateway.node().node()) + ") has no Service");
    }
    Optional<String> error = nodeError(gateway.node());
    if (error.isEmpty()) {
      error = serviceError(gateway.service(), true);
    }
    if (error.isEmpty() && gateway.checks().size() > Limits.MAX_CHECKS_PER_REGISTRATION) {
      error = Optional.of("has " + gateway.checks().size() + " checks, over the limit of "
          + Limits.MAX_CHECKS_PER_REGISTRATION);
    }
    return error.isPresent() ? error : checksError(gateway.node().node(), gateway.checks());
  }

  // ---- the parts ----

  private static Optional<String> nodeError(Node node) {
    Optional<String> error = Names.nodeNameError(node.node());
    if (error.isPresent()) {
      return error;
    }
    if (node.address().isEmpty()) {
      return Optional.of("missing address on node " + Quote.single(node.node()));
    }
    error = addressError("node address", node.address());
    if (error.isEmpty() && !node.datacenter().isEmpty()) {
      error = Names.datacenterError(node.datacenter()).map(e -> "node datacenter: " + e);
    }
    if (error.isEmpty()) {
      error = taggedAddressesError("node", node.taggedAddresses().keySet());
    }
    for (Map.Entry<String, String> e : node.taggedAddresses().entrySet()) {
      if (error.isEmpty()) {
        error = addressError("node tagged address " + Quote.of(e.getKey()), e.getValue());
      }
    }
    return error.isPresent() ? error : metaError("node meta", node.meta());
  }

  private static Optional<String> serviceError(NodeService service, boolean gateway) {
    if (service.service().isEmpty()) {
      return Optional.of("service name is required");
    }
    Optional<String> error = nameError("service name", service.service());
    if (error.isEmpty()) {
      error = nameError("service ID", service.id());
    }
    if (error.isPresent()) {
      return error;
    }
    if (!SERVICE_KINDS.contains(service.kind())) {
      return Optional.of("service kind " + Quote.of(service.kind()) + ": use \"\" (a typical service), "
          + "connect-proxy, mesh-gateway, terminating-gateway, ingress-gateway or api-gateway");
    }
    if (gateway || service.kind().equals(WireConstants.KIND_MESH_GATEWAY)) {
      if (service.port() < 1 || service.port() > Limits.MAX_PORT) {
        return Optional.of("service port " + service.port() + ": a mesh gateway needs a port in 1-" + Limits.MAX_PORT);
      }
    } else if (service.port() < 0 || service.port() > Limits.MAX_PORT) {
      return Optional.of("service port " + service.port() + ": use 1-" + Limits.MAX_PORT + ", or 0 for none");
    }
    if (!service.address().isEmpty()) {
      error = addressError("service address", service.address());
    }
    if (error.isEmpty()) {
      error = tagsError(service.tags());
    }
    if (error.isEmpty()) {
      error = metaError("service meta", service.meta());
    }
    if (error.isEmpty()) {
      error = taggedAddressesError("service", service.taggedAddresses().keySet());
    }
    for (Map.Entry<String, ServiceAddress> e : service.taggedAddresses().entrySet()) {
      if (error.isEmpty()) {
        error = serviceAddressError("service tagged address " + Quote.of(e.getKey()), e.getValue());
      }
    }
    return error;
  }

  private static Optional<String> serviceAddressError(String what, ServiceAddress address) {
    if (address == null || address.address().isEmpty()) {
      return Optional.of(what + ": missing Address");
    }
    Optional<String> error = addressError(what, address.address());
    if (error.isEmpty() && (address.port() < 1 || address.port() > Limits.MAX_PORT)) {
      error = Optional.of(what + ": port " + address.port() + " is not in 1-" + Limits.MAX_PORT);
    }
    return error;
  }

  private static Optional<String> tagsError(List<String> tags) {
    if (tags.size() > Limits.MAX_TAGS) {
      return Optional.of("service tags: " + tags.size() + " exceed the limit of " + Limits.MAX_TAGS);
    }
    for (int i = 0; i < tags.size(); i++) {
      String tag = tags.get(i);
      if (tag.length() > Limits.MAX_TAG_LENGTH) {
        return Optional.of("service tag " + (i + 1) + " " + Quote.of(tag) + ": longer than " + Limits.MAX_TAG_LENGTH
            + " characters");
      }
      if (hasControl(tag, false)) {
        return Optional.of("service tag " + (i + 1) + " " + Quote.of(tag) + ": control characters are not allowed");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> taggedAddressesError(String whose, Set<String> keys) {
    if (keys.size() > Limits.MAX_TAGGED_ADDRESSES) {
      return Optional.of(whose + " tagged addresses: " + keys.size() + " exceed the limit of "
          + Limits.MAX_TAGGED_ADDRESSES);
    }
    for (String key : keys) {
      if (!TAGGED_ADDRESS_KEY.matcher(key).matches()) {
        return Optional.of(whose + " tagged address " + Quote.of(key) + ": a key is 1 to "
            + Limits.MAX_TAGGED_ADDRESS_KEY_LENGTH + " letters, digits, '_' or '-'");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> checksError(String node, List<HealthCheck> checks) {
    if (checks.size() > Limits.MAX_CHECKS_PER_REGISTRATION) {
      return Optional.of(checks.size() + " checks exceed the limit of " + Limits.MAX_CHECKS_PER_REGISTRATION
          + " per registration");
    }
    for (int i = 0; i < checks.size(); i++) {
      HealthCheck check = checks.get(i);
      Optional<String> error = check == null ? Optional.of("check " + (i + 1) + " is empty") : checkError(node, check);
      if (error.isPresent()) {
        return error;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> checkError(String node, HealthCheck check) {
    if (check.checkId().isEmpty()) {
      return Optional.of("check ID is required (node " + Quote.single(node) + ")");
    }
    Optional<String> error = nameError("check ID", check.checkId());
    if (error.isPresent()) {
      return error;
    }
    String what = "check " + Quote.of(check.checkId());
    if (!check.name().isEmpty()) {
      error = nameError(what + " name", check.name());
    }
    if (error.isEmpty()) {
      error = checkStatusError(check.status());
    }
    if (error.isEmpty() && !check.node().isEmpty()) {
      error = Names.nodeNameError(check.node()).map(e -> what + ": " + e);
    }
    if (error.isEmpty() && !check.serviceId().isEmpty()) {
      error = nameError(what + " service ID", check.serviceId());
    }
    if (error.isEmpty() && !check.serviceName().isEmpty()) {
      error = nameError(what + " service name", check.serviceName());
    }
    if (error.isEmpty()) {
      error = textError(what + " notes", check.notes(), Limits.MAX_CHECK_NOTES_BYTES);
    }
    if (error.isEmpty()) {
      error = checkOutputError(check.checkId(), check.output());
    }
    if (error.isEmpty() && check.definition() != null) {
      error = check.definition().error().map(e -> "invalid check " + Quote.of(check.checkId()) + ": " + e);
    }
    return error;
  }

  /** Returns the first problem with {@code meta}, described for {@code what} ("service meta"). */
  public static Optional<String> metaError(String what, Map<String, String> meta) {
    if (meta.size() > Limits.MAX_META_PAIRS) {
      return Optional.of(what + ": " + meta.size() + " pairs exceed the limit of " + Limits.MAX_META_PAIRS);
    }
    for (Map.Entry<String, String> e : meta.entrySet()) {
      String key = e.getKey();
      if (key.isEmpty()) {
        return Optional.of(what + ": a key is empty");
      }
      if (key.length() > Limits.MAX_META_KEY_LENGTH) {
        return Optional.of(what + ": key " + Quote.single(key) + " is " + key.length()
            + " characters, the limit is " + Limits.MAX_META_KEY_LENGTH);
      }
      if (!META_KEY.matcher(key).matches()) {
        return Optional.of(what + ": key " + Quote.single(key) + " may only hold letters, digits, '_' and '-'");
      }
      String value = e.getValue();
      if (value.length() > Limits.MAX_META_VALUE_LENGTH) {
        return Optional.of(what + ": the value of " + Quote.single(key) + " is " + value.length()
            + " characters, the limit is " + Limits.MAX_META_VALUE_LENGTH);
      }
      if (hasControl(value, false)) {
        return Optional.of(what + ": the value of " + Quote.single(key) + " " + Quote.of(value)
            + " holds a control character");
      }
    }
    return Optional.empty();
  }

  // ---- strings ----

  /** A name of 1 to 256 characters without control characters (emptiness is the caller's rule). */
  private static Optional<String> nameError(String what, String name) {
    if (name.length() > Limits.MAX_NAME_LENGTH) {
      return Optional.of(what + " " + Quote.of(name) + ": longer than " + Limits.MAX_NAME_LENGTH + " characters");
    }
    if (hasControl(name, false)) {
      return Optional.of(what + " " + Quote.of(name) + ": control characters are not allowed");
    }
    return Optional.empty();
  }

  /** An address: at most 255 characters, no whitespace or control characters. */
  static Optional<String> addressError(String what, String address) {
    if (address.length() > Limits.MAX_ADDRESS_LENGTH) {
      return Optional.of(what + " " + Quote.of(address) + ": longer than " + Limits.MAX_ADDRESS_LENGTH + " characters");
    }
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      if (Character.isWhitespace(c) || Character.isSpaceChar(c) || forbidden(address, i, false)) {
        return Optional.of(what + " " + Quote.of(address) + ": whitespace and control characters are not allowed");
      }
    }
    return Optional.empty();
  }

  /** Free text (Notes, Output): at most {@code maxBytes} of UTF-8, line breaks and tabs allowed. */
  private static Optional<String> textError(String what, String text, int maxBytes) {
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      return Optional.of(what + ": " + bytes + " bytes exceed the limit of " + maxBytes);
    }
    if (hasControl(text, true)) {
      return Optional.of(what + ": control characters other than \\n, \\r and \\t are not allowed");
    }
    return Optional.empty();
  }

  /** An output that {@link #truncatedOutput} produced: a prefix of at most 4096 bytes, and the marker. */
  private static boolean isTruncated(String output) {
    int cut = output.lastIndexOf(CUT_START);
    if (cut < 0 || !output.endsWith(CUT_END) || cut + CUT_START.length() > output.length() - CUT_END.length()) {
      return false;
    }
    var counts = CUT_COUNTS.matcher(output.substring(cut + CUT_START.length(), output.length() - CUT_END.length()));
    if (!counts.matches()) {
      return false;
    }
    long kept = output.substring(0, cut).getBytes(StandardCharsets.UTF_8).length;
    return kept <= Limits.MAX_CHECK_OUTPUT_BYTES && kept == Long.parseLong(counts.group(1))
        && Long.parseLong(counts.group(2)) > kept;
  }

  /** Whether {@code s} holds a control character (line and paragraph separators and lone surrogates count). */
  static boolean hasControl(String s, boolean lineBreaksAllowed) {
    for (int i = 0; i < s.length(); i++) {
      if (forbidden(s, i, lineBreaksAllowed)) {
        return true;
      }
    }
    return false;
  }

  private static boolean forbidden(String s, int i, boolean lineBreaksAllowed) {
    char c = s.charAt(i);
    if (lineBreaksAllowed && (c == '\n' || c == '\r' || c == '\t')) {
      return false;
    }
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    int type = Character.getType(c);
    return type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
  }
}
