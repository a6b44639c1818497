package io.meshfed.server.api.http;

import io.meshfed.server.api.ErrorText;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request Pekko HTTP cannot parse (bad request line, too many or too long headers, a
 * Content-Length over the body limit) with one line, and keeps such requests out of the log: a
 * client that sends garbage on purpose would otherwise write one WARN per connection. They are
 * counted ({@link #count()}) and logged at DEBUG. Pekko makes this class by name
 * ({@code pekko.http.server.parsing.error-handler}), so the counter belongs to the process.
 */
public final class ParsingErrors extends ParsingErrorHandler {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final AtomicLong COUNT = new AtomicLong();

  /** Requests refused as unparsable since the process started. */
  public static long count() {
    return COUNT.get();
  }

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    COUNT.incrementAndGet();
    String text = status.intValue() == 413
        ? "request body exceeds the limit of " + settings.parserSettings().maxContentLength()
            + " bytes (meshfed.limits.http.max-request-body)"
        : ErrorText.oneLine("invalid HTTP request: " + info.summary());
    LOG.debug("HTTP API: {} ({})", text, status);
    return (HttpResponse) org.apache.pekko.http.javadsl.model.HttpResponse.create().withStatus(status.intValue())
        .withEntity(ContentTypes.TEXT_PLAIN_UTF8, text);
  }
}
