package io.meshfed.gateway.metrics;

/** The {@code direction} label of the byte counter. */
public enum Direction {
  DOWNSTREAM_TO_UPSTREAM("downstream_to_upstream"),
  UPSTREAM_TO_DOWNSTREAM("upstream_to_downstream");

  private final String label;

  Direction(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
