package io.meshfed.transport.rpc;

/**
 * A failed RPC: thrown (or used to fail the returned stage) by a handler to answer with this code,
 * and what a caller receives. Unchecked so that handlers written as lambdas can throw it.
 */
public final class RpcException extends RuntimeException {
  private static final int MAX_MESSAGE_CHARS = 1024;

  private final RpcCode code;

  public RpcException(RpcCode code, String message) {
    super(oneLine(message));
    this.code = code;
  }

  public RpcException(RpcCode code, String message, Throwable cause) {
    super(oneLine(message), cause);
    this.code = code;
  }

  public RpcCode code() {
    return code;
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }

  /** The ERROR frame carries one line; a multi-line or huge message would break log parsing. */
  static String oneLine(String message) {
    String flat = String.valueOf(message).replaceAll("[\\r\\n]+", " ");
    return flat.length() <= MAX_MESSAGE_CHARS ? flat : flat.substring(0, MAX_MESSAGE_CHARS);
  }
}
