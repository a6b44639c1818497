package io.meshfed.protocol.errors;

import io.meshfed.protocol.model.Quote;

/**
 * A failed API call, the same for the HTTP API, the gRPC API and internal RPC: a code that each
 * front maps to its own status, and a message meant for the caller.
 */
public final class ApiException extends RuntimeException {
  public enum Code {
    INVALID_ARGUMENT(400),
    PERMISSION_DENIED(403),
    NOT_FOUND(404),
    UNAVAILABLE(503),
    INTERNAL(500);

    private final int httpStatus;

    Code(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Code code;

  public ApiException(Code code, String message) {
    this(code, message, null);
  }

  private ApiException(Code code, String message, Throwable cause) {
    super(message, cause, false, false);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  /** What to log for an INTERNAL error: the failure it stands for, with its stack. */
  public Throwable forLog() {
    return getCause() != null ? getCause() : this;
  }

  public static ApiException invalid(String message) {
    return new ApiException(Code.INVALID_ARGUMENT, message);
  }

  public static ApiException permissionDenied() {
    return new ApiException(Code.PERMISSION_DENIED, "Permission denied");
  }

  /** As Consul's {@code acl.PermissionDeniedError}: {@code Permission denied: <why>}. */
  public static ApiException permissionDenied(String why) {
    return new ApiException(Code.PERMISSION_DENIED, "Permission denied: " + why);
  }

  /** Consul's structs.ErrNoDCPath: the DC is unknown or cannot be reached. */
  public static ApiException noPathTo(String datacenter) {
    return new ApiException(Code.UNAVAILABLE, "No path to datacenter " + Quote.of(datacenter));
  }

  /**
   * Unwraps CompletionException layers; anything that is not an ApiException becomes INTERNAL, with
   * a message that names no Java type (the client cannot act on it) and the failure as the cause,
   * for the front that answers to log.
   */
  public static ApiException from(Throwable t) {
    Throwable cause = Failures.unwrap(t);
    if (cause instanceof ApiException api) {
      return api;
    }
    return new ApiException(Code.INTERNAL, "internal error; the server logged the cause", cause);
  }
}
