package io.meshfed.it;

import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a process test needs from the machine (PostgreSQL, Node.js, iptables). bin/test provisions
 * each; run by hand without it, the test is skipped, but with CI=true it fails, so that a broken
 * provisioning step can never pass CI by skipping the tests that need it.
 */
final class Prerequisites {
  private Prerequisites() {}

  /** @param missing what is missing, if anything; @param test what would be skipped */
  static void require(Optional<String> missing, String test) {
    if (missing.isEmpty()) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail("CI=true but " + missing.get() + ": " + test + " cannot run");
    }
    Assumptions.abort(test + " skipped: " + missing.get());
  }
}
