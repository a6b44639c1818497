package io.meshfed.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshfed.server.api.BlockingReads;
import io.meshfed.server.api.http.ParsingErrors;
import io.meshfed.server.api.listener.ApiTls;
import io.meshfed.server.api.listener.RequestBudget;
import io.meshfed.server.api.listener.ConnectionLimits;
import io.meshfed.server.api.listener.Http1Stack;
import io.meshfed.server.api.listener.Http2Stack;
import io.meshfed.server.api.listener.ListenerStats;
import io.meshfed.server.api.listener.ProtocolStack;
import io.meshfed.server.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The protocol stacks of the client APIs (HTTP and gRPC, each also over TLS when its port is on)
 * with their Pekko HTTP settings, derived from
 * {@code meshfed.limits}. Pekko's own byte-level idle timeout is off on both: the listener's
 * {@code ConnectionGuard} closes idle connections, and never one with a request in progress.
 */
final class ApiListeners {
  /** The Pekko request timeout of calls that do not block; blocking reads set their own. */
  private static final String HTTP_REQUEST_TIMEOUT = "30s";

  private ApiListeners() {}

  /** The counters of the listeners, rendered for {@code /v1/agent/metrics}; the TLS ones only when on. */
  record Stats(ListenerStats http, ListenerStats grpc, ListenerStats https, ListenerStats grpcTls,
      List<ListenerStats> rendered) {
    static Stats create(ServerConfig.Ports ports) {
      ListenerStats http = new ListenerStats("http");
      ListenerStats grpc = new ListenerStats("grpc");
      ListenerStats https = new ListenerStats("https");
      ListenerStats grpcTls = new ListenerStats("grpc_tls");
      // Pekko HTTP's parser reports to one handler for the whole server: its count goes with the HTTP port's.
      http.addBadRequestsFrom(ParsingErrors::count);
      List<ListenerStats> rendered = new ArrayList<>(List.of(http, grpc));
      if (ports.https() != ServerConfig.Ports.OFF) {
        rendered.add(https);
      }
      if (ports.grpcTls() != ServerConfig.Ports.OFF) {
        rendered.add(grpcTls);
      }
      return new Stats(http, grpc, https, grpcTls, List.copyOf(rendered));
    }

    String prometheus() {
      return ListenerStats.prometheus(rendered);
    }
  }

  /** HTTPS: the HTTP API with the server's certificate (ALPN {@code http/1.1}). */
  static ApiTls https(Supplier<SSLContext> context, ServerConfig.Tls tls) {
    return new ApiTls(context, tls.httpsVerifyIncoming(), List.of("http/1.1"),
        "Client sent an HTTP request to an HTTPS server: this port (meshfed.ports.https) speaks TLS; use https://, "
            + "or the plain-text HTTP port (meshfed.ports.http)");
  }

  /** gRPC over TLS: the gRPC API with the server's certificate (ALPN {@code h2}, RFC 9113 §3.2). */
  static ApiTls grpcTls(Supplier<SSLContext> context, ServerConfig.Tls tls) {
    return new ApiTls(context, tls.grpcVerifyIncoming(), List.of("h2"),
        "this port (meshfed.ports.grpc-tls) serves the gRPC API over TLS; connect with TLS, or use the plain-text "
            + "gRPC port (meshfed.ports.grpc)");
  }

  /** The limits both APIs share, in Prometheus text 0.0.4: how much of each is in use. */
  static String sharedLimits(RequestBudget budget, BlockingReads reads) {
    return "# HELP meshfed_api_request_buffer_bytes request bytes the client APIs hold while reading them "
        + "(limit: meshfed_api_request_buffer_limit_bytes)\n"
        + "# TYPE meshfed_api_request_buffer_bytes gauge\n"
        + "meshfed_api_request_buffer_bytes " + budget.used() + "\n"
        + "# HELP meshfed_api_request_buffer_limit_bytes limits.request-buffer\n"
        + "# TYPE meshfed_api_request_buffer_limit_bytes gauge\n"
        + "meshfed_api_request_buffer_limit_bytes " + budget.max() + "\n"
        + "# HELP meshfed_api_blocking_reads_waiting blocking reads and watch rounds of API clients waiting "
        + "in the store (limit: limits.blocking-reads)\n"
        + "# TYPE meshfed_api_blocking_reads_waiting gauge\n"
        + "meshfed_api_blocking_reads_waiting " + reads.waiting() + "\n";
  }

  static ConnectionLimits httpLimits(ServerConfig.HttpLimits l) {
    return new ConnectionLimits(l.maxConnections(), l.maxConnectionsPerClient(), l.requestHeaderTimeout(),
        l.idleTimeout(), "meshfed.limits.http");
  }

  static ConnectionLimits grpcLimits(ServerConfig.GrpcLimits l) {
    return new ConnectionLimits(l.maxConnections(), l.maxConnectionsPerClient(), l.handshakeTimeout(),
        l.idleTimeout(), "meshfed.limits.grpc");
  }

  static ProtocolStack http(ActorSystem<?> system, ServerConfig.HttpLimits limits, Route route, ListenerStats stats) {
    Config settings = ConfigFactory.parseString("""
        pekko.http.server {
          enable-http2 = off
          preview.enable-http2 = off
          idle-timeout = infinite
          request-timeout = %s
          server-header = ""
          parsing.max-content-length = %d
          parsing.error-handler = "%s"
        }""".formatted(HTTP_REQUEST_TIMEOUT, limits.maxRequestBody(), ParsingErrors.class.getName()))
        .withFallback(system.settings().config());
    return new Http1Stack(system, org.apache.pekko.http.javadsl.settings.ServerSettings.create(settings),
        handler(route.handler(system)), stats);
  }

  /** Pekko's handlers may throw checked exceptions; the listeners take a failed stage instead. */
  static Function<HttpRequest, CompletionStage<HttpResponse>> handler(
      org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>> pekko) {
    return request -> {
      try {
        return pekko.apply(request);
      } catch (Exception e) {
        return CompletableFuture.failedFuture(e);
      }
    };
  }

  /** The line an HTTP/1.x client of the plain-text gRPC port is told. */
  static final String GRPC_NOT_HTTP1 = "this port serves the gRPC API over HTTP/2 (h2c with prior knowledge); "
      + "the HTTP API has its own port (meshfed.ports.http)";
  /** The line an HTTP/1.x client of the gRPC TLS port is told, once its TLS handshake is done. */
  static final String GRPC_TLS_NOT_HTTP1 = "this port serves the gRPC API over HTTP/2 with TLS; the HTTP API has "
      + "its own ports (meshfed.ports.https, meshfed.ports.http)";

  /** @param wrongProtocol the line an HTTP/1.x client is told */
  static ProtocolStack grpc(ActorSystem<?> system, ServerConfig.GrpcLimits limits,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, ListenerStats stats, String wrongProtocol) {
    // The entity limit is only a backstop: GrpcGate refuses an oversized message from its prefix.
    Config settings = ConfigFactory.parseString("""
        pekko.http.server {
          idle-timeout = infinite
          request-timeout = infinite
          server-header = ""
          parsing.max-content-length = %d
          http2 {
            max-concurrent-streams = %d
            ping-interval = %dms
            incoming-connection-level-buffer-size = 2MiB
            incoming-stream-level-buffer-size = 256KiB
            frame-type-throttle.frame-types = ["reset"]
          }
        }""".formatted(2 * limits.maxMessage(), limits.maxConcurrentStreams(),
        limits.keepaliveInterval().toMillis()))
        .withFallback(system.settings().config());
    return new Http2Stack(system, org.apache.pekko.http.scaladsl.settings.ServerSettings.apply(settings), handler, stats,
        wrongProtocol);
  }
}
