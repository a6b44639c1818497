package io.meshfed.protocol.model;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Limits on user-supplied data, with Consul's numbers (structs.ValidateServiceMetadata). */
public final class Validation {
  public static final int MAX_META_PAIRS = 64;
  public static final int MAX_META_KEY_LENGTH = 128;
  public static final int MAX_META_VALUE_LENGTH = 512;
  private static final Pattern META_KEY = Pattern.compile("[a-zA-Z0-9_-]+");

  private Validation() {}

  /** Returns the first problem with {@code meta}, described for {@code what} ("service meta"). */
  public static Optional<String> metaError(String what, Map<String, String> meta) {
    if (meta.size() > MAX_META_PAIRS) {
      return Optional.of(what + ": " + meta.size() + " pairs exceed the limit of " + MAX_META_PAIRS);
    }
    for (Map.Entry<String, String> e : meta.entrySet()) {
      String key = e.getKey();
      if (key.isEmpty()) {
        return Optional.of(what + ": a key is empty");
      }
      if (key.length() > MAX_META_KEY_LENGTH) {
        return Optional.of(what + ": key '" + key.substring(0, 16) + "...' is " + key.length()
            + " characters, the limit is " + MAX_META_KEY_LENGTH);
      }
      if (!META_KEY.matcher(key).matches()) {
        return Optional.of(what + ": key '" + key + "' may only hold letters, digits, '_' and '-'");
      }
      String value = e.getValue() == null ? "" : e.getValue();
      if (value.length() > MAX_META_VALUE_LENGTH) {
        return Optional.of(what + ": the value of '" + key + "' is " + value.length()
            + " characters, the limit is " + MAX_META_VALUE_LENGTH);
      }
    }
    return Optional.empty();
  }
}
