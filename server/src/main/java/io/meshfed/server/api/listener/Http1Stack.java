package io.meshfed.server.api.listener;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.util.ByteString;

/**
 * HTTP/1.1 on a connection: Pekko HTTP's server layer (request parsing with its size limits,
 * request timeouts, response rendering) over plaintext, handing requests to one handler.
 */
public final class Http1Stack implements ProtocolStack {
  private final ActorSystem<?> system;
  private final ServerSettings settings;
  private final LoggingAdapter log;
  private final Function<HttpRequest, CompletionStage<HttpResponse>> handler;

  public Http1Stack(ActorSystem<?> system, ServerSettings settings,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, ListenerStats stats) {
    this.system = system;
    this.settings = settings;
    this.log = new ConnectionLog("http", stats);
    this.handler = handler;
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Flow<ByteString, ByteString, ?> connection(ConnectionActivity activity, InetSocketAddress remote) {
    BidiFlow<HttpResponse, TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound, HttpRequest, NotUsed> http =
        Http.get(system).serverLayer(settings, Optional.of(remote), log);
    // The placebo yields SessionBytes, a kind of SslTlsInbound: the server layer reads either.
    BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed> plaintext =
        (BidiFlow) TLSPlacebo.getInstance();
    // Pipelining is off (one request at a time per connection), so mapAsync(1) keeps the order.
    Flow<HttpRequest, HttpResponse, NotUsed> application = Flow.of(HttpRequest.class)
        .mapAsync(1, request -> RequestTracking.handle(activity, request, handler)
            .thenApply(response -> activity.draining() ? response.addHeader(Connection.create("close")) : response));
    return application.join(http.atop(plaintext)).addAttributes(ConnectionLog.STAGE_FAILURES_UNLOGGED);
  }

  @Override
  public ByteString refusal(Refusal refusal) {
    return switch (refusal.kind()) {
      case PER_CLIENT_LIMIT -> response(429, "Too Many Requests", refusal.message());
      case TOTAL_LIMIT, STOPPING -> response(503, "Service Unavailable", refusal.message());
    };
  }

  @Override
  public Farewells farewells() {
    return FAREWELLS;
  }

  /** A client that sent nothing is not waiting for an answer; one that sent part of a request is. */
  private static final Farewells FAREWELLS = new Farewells(true, (partial, limits) -> partial
      ? response(408, "Request Timeout", "request head not complete within "
          + limits.firstRequestTimeout().toSeconds() + "s (" + limits.option() + ".request-header-timeout)")
      : ByteString.emptyByteString(), ByteString.emptyByteString());

  /** A whole response written by hand, for connections the HTTP layer never saw (RFC 9112 §4). */
  static ByteString response(int status, String reason, String body) {
    byte[] text = body.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
        + "Content-Type: text/plain; charset=UTF-8\r\n"
        + "Content-Length: " + text.length + "\r\n"
        + "Connection: close\r\n\r\n";
    return ByteString.fromString(head, StandardCharsets.US_ASCII).concat(ByteString.fromArray(text));
  }
}
