package io.meshfed.gateway.metrics;

import io.meshfed.gateway.sni.Rejection;

/** How a client connection ended up, the {@code outcome} label of the connection counter. */
public enum Outcome {
  SPLICED("spliced", Stage.ROUTED),
  UNKNOWN_SNI("unknown_sni", Stage.UNROUTED),
  NO_SNI("no_sni", Stage.UNROUTED),
  NOT_TLS("not_tls", Stage.UNROUTED),
  MALFORMED("malformed", Stage.UNROUTED),
  TOO_LARGE("too_large", Stage.UNROUTED),
  TIMEOUT("timeout", Stage.UNROUTED),
  /** Before the ClientHello was complete, or while the upstream was being dialed. */
  CLIENT_CLOSED("client_closed", Stage.EITHER),
  /** Route {@code none}: the gateway had max-connections open; else the route had its cap open. */
  LIMIT("limit", Stage.EITHER),
  UPSTREAM_FAILED("upstream_failed", Stage.ROUTED);

  /** Whether the outcome can happen before a route is known, after, or both. */
  enum Stage { UNROUTED, ROUTED, EITHER }

  private final String label;
  private final Stage stage;

  Outcome(String label, Stage stage) {
    this.label = label;
    this.stage = stage;
  }

  public String label() {
    return label;
  }

  boolean possible(boolean routed) {
    return stage == Stage.EITHER || (stage == Stage.ROUTED) == routed;
  }

  public static Outcome of(Rejection rejection) {
    return switch (rejection) {
      case NOT_TLS -> NOT_TLS;
      case NO_SNI -> NO_SNI;
      case MALFORMED -> MALFORMED;
      case TOO_LARGE -> TOO_LARGE;
      case TIMEOUT -> TIMEOUT;
      case CLIENT_CLOSED -> CLIENT_CLOSED;
    };
  }
}
