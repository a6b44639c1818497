package io.meshfed.gateway.metrics;

/** Why the admin port closed a connection, the {@code reason} label of its counter. */
public enum AdminClosure {
  /** The admin port had its maximum of connections open. */
  LIMIT("limit"),
  /** A new connection sent no complete request within the request timeout. */
  REQUEST_TIMEOUT("request_timeout"),
  /** A kept-alive connection sent no complete next request within the idle timeout. */
  IDLE_TIMEOUT("idle_timeout");

  private final String label;

  AdminClosure(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
