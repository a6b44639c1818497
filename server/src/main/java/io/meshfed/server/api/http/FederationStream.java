package io.meshfed.server.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.server.api.BlockingReads;
import io.meshfed.server.status.FederationStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code GET /v1/operator/federation/stream}: the federation status as server-sent events (the
 * HTML standard's {@code text/event-stream}), one {@code status} event on every judgement, for the
 * map in the browser, which reads it with {@code fetch} so that the token travels in a header.
 *
 * <p>A stream is a request in progress for as long as it runs, so the listener's idle timeout
 * leaves it alone, while its connection still counts against the listener's connection cap; it
 * holds one of the blocking-read slots ({@code meshfed.limits.blocking-reads}), and it ends after
 * {@link #MAX_AGE} (the page connects again). The token is checked on every event: a token deleted
 * meanwhile ends the stream with an {@code error} event.
 */
final class FederationStream {
  /** A bound on one stream's life, so that no client holds a slot forever. */
  static final Duration MAX_AGE = Duration.ofMinutes(10);

  private final Function<String, CompletionStage<FederationStatus>> status;
  private final BlockingReads slots;
  private final Duration interval;
  private final ObjectMapper json;

  /**
   * @param status the status for a token, failing with an {@link ApiException} the caller may not see
   * @param interval how often the status is sent again: the server's own judging interval
   */
  FederationStream(Function<String, CompletionStage<FederationStatus>> status, BlockingReads slots,
      Duration interval, ObjectMapper json) {
    this.status = status;
    this.slots = slots;
    this.interval = interval;
    this.json = json;
  }

  /**
   * The events for {@code token}; fails (before any byte is sent) when the token may not read the
   * status or every slot is taken, so that the client gets the API's usual error answer.
   */
  CompletionStage<Source<ByteString, NotUsed>> open(String token) {
    if (!slots.tryEnter()) {
      return CompletableFuture.failedFuture(slots.refusal());
    }
    return status.apply(token).handle((first, err) -> {
      if (err != null) {
        slots.leave();
        throw ApiException.from(err);
      }
      Source<Event, NotUsed> later = Source.tick(interval, interval, "tick")
          .mapAsync(1, tick -> status.apply(token).handle((s, e) -> e == null ? event("status", s)
              : event("error", ApiException.from(e).getMessage())))
          .mapMaterializedValue(c -> NotUsed.getInstance());
      return Source.single(event("status", first)).concat(later)
          .takeWhile(event -> !event.ends(), true)
          .map(Event::bytes)
          .takeWithin(MAX_AGE)
          .watchTermination((mat, done) -> {
            done.whenComplete((d, e) -> slots.leave());
            return mat;
          });
    });
  }

  /** @param ends whether the stream ends after it */
  private record Event(ByteString bytes, boolean ends) {}

  /** One event: its type and its data on one line (JSON has no raw line breaks). */
  private Event event(String type, Object data) {
    String text;
    try {
      text = data instanceof String s ? s.replace('\n', ' ').replace('\r', ' ') : json.writeValueAsString(data);
    } catch (JsonProcessingException e) {
      type = "error";
      text = "cannot encode the status: " + e.getOriginalMessage();
    }
    return new Event(ByteString.fromString("event: " + type + "\ndata: " + text + "\n\n", StandardCharsets.UTF_8),
        type.equals("error"));
  }
}
