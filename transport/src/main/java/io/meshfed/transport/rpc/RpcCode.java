package io.meshfed.transport.rpc;

/**
 * Outcome codes of a failed RPC. The wire values are gRPC's status numbers so that the public gRPC
 * API can pass an internal failure through without a translation table.
 */
public enum RpcCode {
  CANCELLED(1),
  INVALID_ARGUMENT(3),
  DEADLINE_EXCEEDED(4),
  NOT_FOUND(5),
  PERMISSION_DENIED(7),
  INTERNAL(13),
  UNAVAILABLE(14);

  private final int wireValue;

  RpcCode(int wireValue) {
    this.wireValue = wireValue;
  }

  int wireValue() {
    return wireValue;
  }

  /** The code for a wire value; null when this version does not know it. */
  static RpcCode fromWire(int value) {
    for (RpcCode code : values()) {
      if (code.wireValue == value) {
        return code;
      }
    }
    return null;
  }
}
