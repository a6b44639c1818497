package io.meshfed.server.api.listener;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.http2.Http2Blueprint;
import org.apache.pekko.http.impl.engine.http2.TelemetrySpi$;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import scala.jdk.javaapi.FutureConverters;

/**
 * HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3) on a connection, for the gRPC API: Pekko HTTP's
 * HTTP/2 server stack (framing, HPACK, flow control, stream limits, keep-alive PINGs while streams
 * are open), behind a {@link PrefaceCheck}.
 *
 * <p>Pekko HTTP builds this stack only inside its own bind, which has no hook for per-client
 * connection limits or a first-request timeout; so it is assembled here from Pekko HTTP's internal
 * {@code Http2Blueprint}, from the same parts its bind uses for a plaintext connection (not its
 * per-connection server terminator: {@link ApiListener} stops connections itself). That API is
 * internal: the build pins Pekko HTTP's version, and {@code GrpcListenerLimitsTest} covers the
 * assembly.
 */
public final class Http2Stack implements ProtocolStack {
  private final ActorSystem<?> system;
  private final ServerSettings settings;
  private final LoggingAdapter log;
  private final Function<HttpRequest, CompletionStage<HttpResponse>> handler;
  private final ListenerStats stats;
  private final String wrongProtocol;

  /**
   * @param wrongProtocol the one line an HTTP/1.x client is told (which port it wants instead)
   */
  public Http2Stack(ActorSystem<?> system, ServerSettings settings,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, ListenerStats stats, String wrongProtocol) {
    this.system = system;
    this.settings = settings;
    this.log = new ConnectionLog("grpc", stats);
    this.handler = handler;
    this.stats = stats;
    this.wrongProtocol = wrongProtocol;
  }

  @Override
  public Flow<ByteString, ByteString, ?> connection(ConnectionActivity activity, InetSocketAddress remote) {
    scala.Function1<org.apache.pekko.http.scaladsl.model.HttpRequest,
        scala.concurrent.Future<org.apache.pekko.http.scaladsl.model.HttpResponse>> handle = request ->
        FutureConverters.asScala(RequestTracking.handle(activity, request, handler)
            .thenApply(response -> (org.apache.pekko.http.scaladsl.model.HttpResponse) response));
    var application = Http2Blueprint.handleWithStreamIdHeader(settings.http2Settings().maxConcurrentStreams(),
        handle, system.executionContext());
    var http2 = Http2Blueprint.serverStack(settings, log, Http2Blueprint.serverStack$default$3(), false,
        TelemetrySpi$.MODULE$.create(system.classicSystem()),
        org.apache.pekko.http.scaladsl.Http$.MODULE$.apply(system.classicSystem()).dateHeaderRendering());
    Flow<ByteString, ByteString, ?> stack = application.join(http2).asJava()
        .addAttributes(ConnectionLog.STAGE_FAILURES_UNLOGGED);
    return PrefaceCheck.create(wrongProtocol, stats).join(stack);
  }

  @Override
  public ByteString refusal(Refusal refusal) {
    int code = refusal.kind() == Refusal.Kind.STOPPING ? Http2Frames.NO_ERROR : Http2Frames.ENHANCE_YOUR_CALM;
    return Http2Frames.emptySettings().concat(Http2Frames.goAway(code, refusal.message()));
  }

  @Override
  public Farewells farewells() {
    return FAREWELLS;
  }

  private static final Farewells FAREWELLS = new Farewells(false, (partial, limits) -> Http2Frames.goAway(
      Http2Frames.NO_ERROR, "no request within " + limits.firstRequestTimeout().toSeconds() + "s ("
          + limits.option() + ".handshake-timeout)"),
      Http2Frames.goAway(Http2Frames.NO_ERROR, "closing an idle connection"));
}
