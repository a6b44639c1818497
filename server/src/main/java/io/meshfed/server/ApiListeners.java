package io.meshfed.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshfed.server.api.BlockingReads;
import io.meshfed.server.api.http.ParsingErrors;
import io.meshfed.server.api.listener.RequestBudget;
import io.meshfed.server.api.listener.ConnectionLimits;
import io.meshfed.server.api.listener.Http1Stack;
import io.meshfed.server.api.listener.Http2Stack;
import io.meshfed.server.api.listener.ListenerStats;
import io.meshfed.server.api.listener.ProtocolStack;
import io.meshfed.server.config.ServerConfig;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The protocol stacks of the two client APIs with their Pekko HTTP settings, derived from
 * {@code meshfed.limits}. Pekko's own byte-level idle timeout is off on both: the listener's
 * {@code ConnectionGuard} closes idle connections, and never one with a request in progress.
 */
final class ApiListeners {
  /** The Pekko request timeout of calls that do not block; blocking reads set their own. */
  private static final String HTTP_REQUEST_TIMEOUT = "30s";

  private ApiListeners() {}

  /** The counters of both listeners, rendered for {@code /v1/agent/metrics}. */
  record Stats(ListenerStats http, ListenerStats grpc) {
    static Stats create() {
      Stats stats = new Stats(new ListenerStats("http"), new ListenerStats("grpc"));
      stats.http.addBadRequestsFrom(ParsingErrors::count);
      return stats;
    }

    String prometheus() {
      return ListenerStats.prometheus(List.of(http, grpc));
    }
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

  static ProtocolStack grpc(ActorSystem<?> system, ServerConfig.GrpcLimits limits,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, ListenerStats stats) {
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
        "this port serves the gRPC API over HTTP/2 (h2c with prior knowledge); the HTTP API has its own "
            + "port (meshfed.ports.http)");
  }
}
