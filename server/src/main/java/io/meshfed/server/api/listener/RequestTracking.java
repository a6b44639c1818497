package io.meshfed.server.api.listener;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Reports a request's start and end to its connection's {@link ConnectionActivity}. The end is
 * when the response body has been produced in full: for a watch that is when the watch ends, so
 * the connection is never idle while one runs.
 */
final class RequestTracking {
  private RequestTracking() {}

  static CompletionStage<HttpResponse> handle(ConnectionActivity activity, HttpRequest request,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    activity.requestStarted();
    CompletionStage<HttpResponse> response;
    try {
      response = handler.apply(request);
    } catch (RuntimeException e) {
      activity.requestFinished();
      throw e;
    }
    return response.handle((r, err) -> {
      if (err != null) {
        activity.requestFinished();
        throw err instanceof CompletionException c ? c : new CompletionException(err);
      }
      return finishedWhenProduced(r, activity);
    });
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static HttpResponse finishedWhenProduced(HttpResponse response, ConnectionActivity activity) {
    ResponseEntity entity = response.entity();
    if (entity.isStrict()) {
      activity.requestFinished();
      return response;
    }
    // Every javadsl entity is a scaladsl one; only the scaladsl API keeps a chunked entity's trailer
    // (where gRPC puts its status), which transformDataBytes would drop.
    if (entity instanceof org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked chunked) {
      Source<Object, Object> parts = Source.fromGraph(
          (org.apache.pekko.stream.Graph<org.apache.pekko.stream.SourceShape<Object>, Object>) (Object) chunked.chunks());
      Source<Object, Object> chunks = parts.watchTermination((mat, done) -> finishOn(mat, done, activity));
      return response.withEntity(new org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked(chunked.contentType(),
          (org.apache.pekko.stream.scaladsl.Source) chunks.asScala()));
    }
    var scalaEntity = (org.apache.pekko.http.scaladsl.model.ResponseEntity) entity;
    Flow<ByteString, ByteString, NotUsed> watched = Flow.of(ByteString.class)
        .watchTermination((mat, done) -> finishOn(mat, done, activity));
    return response.withEntity(scalaEntity.transformDataBytes((org.apache.pekko.stream.scaladsl.Flow) watched.asScala()));
  }

  /** Keeps the stage's own materialized value: a stream cannot materialize to null. */
  private static <M> M finishOn(M mat, CompletionStage<Done> done, ConnectionActivity activity) {
    done.whenComplete((d, e) -> activity.requestFinished());
    return mat;
  }
}
