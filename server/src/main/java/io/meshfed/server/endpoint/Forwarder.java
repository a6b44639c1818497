package io.meshfed.server.endpoint;

import io.meshfed.actors.forward.Cancellation;
import io.meshfed.actors.forward.RemoteDatacenters;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.protocol.errors.ApiException;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.actors.federation.ReplicaReport;
import io.meshfed.protocol.internal.Forwarded;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Sends an endpoint call to another DC and turns the answer back into the endpoint's result. */
final class Forwarder {
  /** Deadline of a forwarded call that does not block. */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  private final RemoteDatacenters remote;
  private final String localDatacenter;

  /** @param localDatacenter named in every call, so the serving DC can count its calls by source */
  Forwarder(RemoteDatacenters remote, String localDatacenter) {
    this.remote = remote;
    this.localDatacenter = localDatacenter;
  }

  /** A blocking read may wait in the other DC; its deadline covers that wait and the way back. */
  static Duration deadline(QueryOptions q) {
    return q.longestWait().plus(CALL_DEADLINE);
  }

  <R extends Message, T> CompletionStage<T> call(String datacenter, String method, String token, Message request,
      Duration deadline, Parser<R> responseParser, Function<R, T> result) {
    return call(datacenter, method, token, request, null, deadline, responseParser, result);
  }

  /** @param replica what a secondary's replication read reports to the primary; null for every other call */
  <R extends Message, T> CompletionStage<T> call(String datacenter, String method, String token, Message request,
      ReplicaReport replica, Duration deadline, Parser<R> responseParser, Function<R, T> result) {
    // The DC becomes part of the SNI name of the dial: never dial a name that is not a DC's.
    try {
      RequestValidation.requireValidTarget(datacenter);
    } catch (ApiException e) {
      return CompletableFuture.failedFuture(e);
    }
    Forwarded.Builder envelope = Forwarded.newBuilder().setToken(token == null ? "" : token)
        .setRequest(request.toByteString()).setSourceDatacenter(localDatacenter);
    if (replica != null) {
      envelope.setReplica(Protos.replicaReport(replica));
    }
    byte[] forwarded = envelope.build().toByteArray();
    return Cancellation.derived(remote.call(datacenter, method, forwarded, deadline), sent -> sent.thenApply(bytes -> {
      try {
        return result.apply(responseParser.parseFrom(bytes));
      } catch (InvalidProtocolBufferException e) {
        throw new ApiException(ApiException.Code.INTERNAL,
            "datacenter " + datacenter + " answered " + method + " with a malformed message: " + e.getMessage());
      }
    }));
  }
}
