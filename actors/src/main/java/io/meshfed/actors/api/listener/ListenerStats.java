package io.meshfed.actors.api.listener;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/** Counters of one API listener; {@link #prometheus} renders several for {@code /v1/agent/metrics}. */
public final class ListenerStats {
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong refusedPerClient = new AtomicLong();
  final AtomicLong refusedTotal = new AtomicLong();
  final AtomicLong closedFirstRequestTimeout = new AtomicLong();
  final AtomicLong closedIdle = new AtomicLong();
  private final AtomicLong badRequests = new AtomicLong();
  private final String api;
  private volatile IntSupplier open = () -> 0;
  private volatile LongSupplier moreBadRequests = () -> 0;

  /** @param api the {@code api} label of this listener's samples ({@code http}, {@code grpc}) */
  public ListenerStats(String api) {
    this.api = api;
  }

  void openConnections(IntSupplier supplier) {
    open = supplier;
  }

  /** A request the protocol layer refused before the application saw it (malformed, wrong protocol). */
  void countBadRequest() {
    badRequests.incrementAndGet();
  }

  /** Bad requests counted elsewhere (Pekko HTTP's parser reports to a handler it makes by name). */
  public void addBadRequestsFrom(LongSupplier counter) {
    moreBadRequests = counter;
  }

  /** The counters of {@code listeners} in Prometheus text 0.0.4, one family at a time. */
  public static String prometheus(List<ListenerStats> listeners) {
    StringBuilder out = new StringBuilder();
    family(out, "meshfed_api_connections_open", "gauge", "open connections of the client API");
    listeners.forEach(s -> sample(out, "meshfed_api_connections_open", s.api, "", s.open.getAsInt()));
    family(out, "meshfed_api_connections_total", "counter", "connections admitted by the client API");
    listeners.forEach(s -> sample(out, "meshfed_api_connections_total", s.api, "", s.accepted.get()));
    family(out, "meshfed_api_connections_refused_total", "counter",
        "connections refused at once: over the limit per client address or in all");
    listeners.forEach(s -> {
      sample(out, "meshfed_api_connections_refused_total", s.api, "reason=\"per_client_limit\"",
          s.refusedPerClient.get());
      sample(out, "meshfed_api_connections_refused_total", s.api, "reason=\"total_limit\"", s.refusedTotal.get());
    });
    family(out, "meshfed_api_connections_closed_total", "counter",
        "connections closed by the server: no complete request in time, or idle");
    listeners.forEach(s -> {
      sample(out, "meshfed_api_connections_closed_total", s.api, "reason=\"first_request_timeout\"",
          s.closedFirstRequestTimeout.get());
      sample(out, "meshfed_api_connections_closed_total", s.api, "reason=\"idle\"", s.closedIdle.get());
    });
    family(out, "meshfed_api_bad_requests_total", "counter",
        "requests refused before the application saw them: unparsable, or the wrong protocol for the port");
    listeners.forEach(s -> sample(out, "meshfed_api_bad_requests_total", s.api, "",
        s.badRequests.get() + s.moreBadRequests.getAsLong()));
    return out.toString();
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, String api, String labels, long value) {
    out.append(name).append("{api=\"").append(api).append('"');
    if (!labels.isEmpty()) {
      out.append(',').append(labels);
    }
    out.append("} ").append(value).append('\n');
  }
}
