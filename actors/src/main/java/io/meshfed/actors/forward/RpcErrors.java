package io.meshfed.actors.forward;

import io.meshfed.protocol.errors.Failures;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.transport.rpc.RpcCode;
import io.meshfed.transport.rpc.RpcException;

/** The API's error codes on internal RPC and back, so a forwarded call fails as a local one would. */
public final class RpcErrors {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RpcErrors.class);

  private RpcErrors() {}

  public static RpcException toRpc(Throwable failure) {
    ApiException e = ApiException.from(failure);
    if (e.code() == ApiException.Code.INTERNAL) {
      LOG.error("internal RPC call failed", e.forLog());
    }
    RpcCode code = switch (e.code()) {
      case INVALID_ARGUMENT -> RpcCode.INVALID_ARGUMENT;
      case PERMISSION_DENIED -> RpcCode.PERMISSION_DENIED;
      case NOT_FOUND -> RpcCode.NOT_FOUND;
      case UNAVAILABLE -> RpcCode.UNAVAILABLE;
      case INTERNAL -> RpcCode.INTERNAL;
    };
    return new RpcException(code, e.getMessage());
  }

  public static ApiException toApi(Throwable failure, String datacenter) {
    Throwable cause = Failures.unwrap(failure);
    if (!(cause instanceof RpcException rpc)) {
      return ApiException.from(cause);
    }
    ApiException.Code code = switch (rpc.code()) {
      case INVALID_ARGUMENT -> ApiException.Code.INVALID_ARGUMENT;
      case PERMISSION_DENIED -> ApiException.Code.PERMISSION_DENIED;
      case NOT_FOUND -> ApiException.Code.NOT_FOUND;
      case INTERNAL -> ApiException.Code.INTERNAL;
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> ApiException.Code.UNAVAILABLE;
    };
    // Transport failures name the DC; errors the other DC's endpoint gave pass through unchanged.
    String message = switch (rpc.code()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> "datacenter " + datacenter + " did not answer: "
          + rpc.getMessage();
      default -> rpc.getMessage();
    };
    return new ApiException(code, message);
  }
}
