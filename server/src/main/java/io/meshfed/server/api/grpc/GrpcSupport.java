package io.meshfed.server.api.grpc;

import io.grpc.Status;
import io.meshfed.server.acl.Tokens;
import io.meshfed.server.api.BlockingReads;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.server.api.ErrorText;
import io.meshfed.protocol.errors.ApiException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import io.meshfed.protocol.names.WireConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every gRPC service needs: the caller's token, options, errors as gRPC statuses, watches. */
final class GrpcSupport {
  /** A watch re-asks at least this often, so a cancelled watch leaves no long wait behind. */
  static final Duration WATCH_ROUND = Duration.ofSeconds(60);
  private static final Logger LOG = LoggerFactory.getLogger(GrpcSupport.class);

  private GrpcSupport() {}

  static String token(Metadata metadata) {
    return Tokens.of(metadata.getText(WireConstants.GRPC_TOKEN_KEY), metadata.getText("authorization"));
  }

  /** Maps a result, turning an {@link ApiException} into the matching gRPC status. */
  static <T, R> CompletionStage<R> unary(CompletionStage<T> call, Function<T, R> toProto) {
    return call.handle((value, err) -> {
      if (err != null) {
        throw toGrpc(err);
      }
      return toProto.apply(value);
    });
  }

  static GrpcServiceException toGrpc(Throwable err) {
    ApiException e = ApiException.from(err);
    Status status = switch (e.code()) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
      case NOT_FOUND -> Status.NOT_FOUND;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      case INTERNAL -> Status.INTERNAL;
    };
    if (e.code() == ApiException.Code.INTERNAL) {
      LOG.error("gRPC API call failed", e.forLog());
    }
    return new GrpcServiceException(status.withDescription(ErrorText.oneLine(e.getMessage())));
  }

  /**
   * A stream of results: the current one first, then one after each change of its index. Each
   * round is a blocking read that starts at the last index seen.
   */
  static <T, R> Source<R, NotUsed> watch(BlockingReads reads, QueryOptions q, LongFunction<CompletionStage<T>> readAfter,
      ToLongFunction<T> indexOf, Function<T, R> toProto) {
    long startIndex = q.minIndex();
    LongFunction<CompletionStage<T>> counted = after -> reads.run(q.withMinIndex(after), () -> readAfter.apply(after));
    return Source.unfoldAsync(-1L, last -> nextChange(last < 0 ? startIndex : last, last < 0, counted, indexOf)
        .handle((value, err) -> {
          if (err != null) {
            throw toGrpc(err);
          }
          return java.util.Optional.of(Pair.create(indexOf.applyAsLong(value), toProto.apply(value)));
        }));
  }

  private static <T> CompletionStage<T> nextChange(long after, boolean first, LongFunction<CompletionStage<T>> readAfter,
      ToLongFunction<T> indexOf) {
    return readAfter.apply(after).thenCompose(value -> first || indexOf.applyAsLong(value) > after
        ? java.util.concurrent.CompletableFuture.completedFuture(value)
        : nextChange(after, false, readAfter, indexOf));
  }
}
