package io.meshfed.protocol.model;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Null-normalisation shared by the records, so that equal content means equal records. */
final class Strings {
  private Strings() {}

  static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  static <V> Map<String, V> sortedCopy(Map<String, V> m) {
    return m == null || m.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(m));
  }

  /** A sorted copy in which a null value (Consul's clients send {@code "k": null}) is "", as Consul reads it. */
  static Map<String, String> sortedStrings(Map<String, String> m) {
    if (m == null || m.isEmpty()) {
      return Map.of();
    }
    TreeMap<String, String> copy = new TreeMap<>();
    m.forEach((k, v) -> copy.put(k, orEmpty(v)));
    return Collections.unmodifiableMap(copy);
  }
}
