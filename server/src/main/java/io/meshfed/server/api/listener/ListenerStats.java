package io.meshfed.server.api.listener;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/** Counters of one API listener; {@link #prometheus} renders several for {@code /v1/agent/metrics}. */
public final class ListenerStats {
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong refusedPerClient = new AtomicLong();
  final AtomicLong refusedTotal = new AtomicLong();
  final AtomicLong closedFirstRequestTimeout = new AtomicLong();
  final AtomicLong closedIdle = new AtomicLong();
  private final AtomicLong connectionFailures = new AtomicLong();
  private final AtomicLong tlsFailures = new AtomicLong();
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

  /** A connection the protocol stack reported as failed (mostly a peer breaking the protocol). */
  void countConnectionFailure() {
    connectionFailures.incrementAndGet();
  }

  /** A TLS connection whose handshake (or record layer) failed: no or a refused certificate, no common protocol. */
  void countTlsFailure() {
    tlsFailures.incrementAndGet();
  }

  /** Bad requests counted elsewhere (Pekko HTTP's parser reports to a handler it makes by name). */
  public void addBadRequestsFrom(LongSupplier counter) {
    moreBadRequests = counter;
  }

  private record Series(String labels, ToLongFunction<ListenerStats> value) {}

  private record Family(String name, String type, String help, List<Series> series) {}

  private static final List<Family> FAMILIES = List.of(
      new Family("meshfed_api_connections_open", "gauge", "open connections of the client API",
          List.of(new Series("", s -> s.open.getAsInt()))),
      new Family("meshfed_api_connections_total", "counter", "connections admitted by the client API",
          List.of(new Series("", s -> s.accepted.get()))),
      new Family("meshfed_api_connections_refused_total", "counter",
          "connections refused at once: over the limit per client address or in all",
          List.of(new Series("reason=\"per_client_limit\"", s -> s.refusedPerClient.get()),
              new Series("reason=\"total_limit\"", s -> s.refusedTotal.get()))),
      new Family("meshfed_api_connections_closed_total", "counter",
          "connections closed by the server: no complete request in time, idle, a failed protocol stack, "
              + "or a failed TLS handshake",
          List.of(new Series("reason=\"first_request_timeout\"", s -> s.closedFirstRequestTimeout.get()),
              new Series("reason=\"idle\"", s -> s.closedIdle.get()),
              new Series("reason=\"protocol_error\"", s -> s.connectionFailures.get()),
              new Series("reason=\"tls\"", s -> s.tlsFailures.get()))),
      new Family("meshfed_api_bad_requests_total", "counter",
          "requests refused before the application saw them: unparsable, or the wrong protocol for the port",
          List.of(new Series("", s -> s.badRequests.get() + s.moreBadRequests.getAsLong()))));

  /** The counters of {@code listeners} in Prometheus text 0.0.4, one family at a time. */
  public static String prometheus(List<ListenerStats> listeners) {
    StringBuilder out = new StringBuilder();
    for (Family f : FAMILIES) {
      out.append("# HELP ").append(f.name()).append(' ').append(f.help()).append('\n');
      out.append("# TYPE ").append(f.name()).append(' ').append(f.type()).append('\n');
      for (ListenerStats listener : listeners) {
        for (Series series : f.series()) {
          sample(out, f.name(), listener.api, series.labels(), series.value().applyAsLong(listener));
        }
      }
    }
    return out.toString();
  }

  private static void sample(StringBuilder out, String name, String api, String labels, long value) {
    out.append(name).append("{api=\"").append(api).append('"');
    if (!labels.isEmpty()) {
      out.append(',').append(labels);
    }
    out.append("} ").append(value).append('\n');
  }
}
