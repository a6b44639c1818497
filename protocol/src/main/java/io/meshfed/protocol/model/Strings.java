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
}
