package io.meshfed.bench;

import java.util.Locale;

/** One figure, printed as one machine-readable line that bench/gateway.sh collects. */
record Result(String target, String test, double value, String unit) {
  String line() {
    return String.format(Locale.ROOT, "RESULT target=%s test=%s value=%.1f unit=%s", target, test, value, unit);
  }
}
