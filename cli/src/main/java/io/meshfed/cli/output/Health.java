package io.meshfed.cli.output;

import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.HealthCheck;

/** The health of a service instance: its worst check, as Consul's health filtering sees it. */
public final class Health {
  private Health() {}

  /** The worst check status, or "passing" without checks; an unknown status counts as critical. */
  public static String worst(CheckServiceNode instance) {
    String worst = HealthCheck.PASSING;
    for (HealthCheck check : instance.checks()) {
      if (rank(check.status()) > rank(worst)) {
        worst = check.status();
      }
    }
    return worst;
  }

  public static boolean isCritical(CheckServiceNode instance) {
    return rank(worst(instance)) == rank(HealthCheck.CRITICAL);
  }

  private static int rank(String status) {
    return switch (status) {
      case HealthCheck.PASSING -> 0;
      case HealthCheck.WARNING -> 1;
      default -> 2;
    };
  }
}
