package io.meshfed.protocol.model;

import java.util.Optional;

/** The operations of FederationState.Apply. */
public enum FederationStateOp {
  UPSERT("upsert"),
  DELETE("delete");

  private final String wireName;

  FederationStateOp(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<FederationStateOp> parse(String s) {
    for (FederationStateOp op : values()) {
      if (op.wireName.equals(s)) {
        return Optional.of(op);
      }
    }
    return Optional.empty();
  }
}
