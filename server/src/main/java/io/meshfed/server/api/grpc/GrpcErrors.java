package io.meshfed.server.api.grpc;

import io.meshfed.protocol.errors.Failures;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfed.server.api.ErrorText;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.Trailers;
import org.apache.pekko.grpc.internal.MissingParameterException;
import org.apache.pekko.japi.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a failed gRPC call is answered when the failure happens outside our services, in Pekko
 * gRPC's own decoding: a message that is not valid protobuf is the client's mistake
 * (INVALID_ARGUMENT, not logged), never an INTERNAL error with a stack trace in the log, which is
 * what Pekko gRPC's default does and what a client sending garbage would turn into a flood.
 */
final class GrpcErrors {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  static Function<ActorSystem, Function<Throwable, Trailers>> mapper() {
    return system -> GrpcErrors::trailers;
  }

  static Trailers trailers(Throwable failure) {
    Throwable e = Failures.unwrap(failure);
    if (e instanceof GrpcServiceException g) {
      return new Trailers(g.status().withDescription(ErrorText.oneLine(g.status().getDescription())), g.metadata());
    }
    if (e instanceof StatusRuntimeException s) {
      return new Trailers(s.getStatus().withDescription(ErrorText.oneLine(s.getStatus().getDescription())));
    }
    if (e instanceof InvalidProtocolBufferException || e.getCause() instanceof InvalidProtocolBufferException) {
      Throwable decode = e instanceof InvalidProtocolBufferException ? e : e.getCause();
      return new Trailers(Status.INVALID_ARGUMENT.withDescription(
          ErrorText.oneLine("invalid request message: " + decode.getMessage())));
    }
    if (e instanceof MissingParameterException) {
      return new Trailers(Status.INVALID_ARGUMENT.withDescription("the request message is missing"));
    }
    LOG.error("gRPC call failed outside the API's services", e);
    return new Trailers(Status.INTERNAL.withDescription("internal error"));
  }
}
