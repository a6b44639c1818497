package io.meshfed.server.endpoint;

import io.meshfed.protocol.names.Names;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Internal RPC calls this server has served, by method and by the DC that sent them: in the primary,
 * the load each secondary's replication and anti-entropy put on it (decision 0019 bounds it per
 * secondary). The source is what the caller's envelope says; a name that is not a DC's counts as
 * {@code unknown}, and past {@link #MAX_DATACENTERS} distinct ones the rest count as {@code other},
 * so a caller cannot grow the metric without bound.
 */
public final class InternalRpcCalls {
  static final int MAX_DATACENTERS = 64;
  static final String UNKNOWN = "unknown";
  static final String OTHER = "other";

  private final Map<String, Map<String, LongAdder>> byDatacenter = new ConcurrentSkipListMap<>();
  private final Map<String, Boolean> datacenters = new ConcurrentHashMap<>();

  /** Counts one call of {@code method} (one of the endpoints' method names) sent by {@code source}. */
  void served(String method, String source) {
    byDatacenter.computeIfAbsent(label(source), dc -> new ConcurrentSkipListMap<>())
        .computeIfAbsent(method, m -> new LongAdder()).increment();
  }

  private String label(String source) {
    if (source == null || source.isEmpty() || Names.datacenterError(source).isPresent()) {
      return UNKNOWN;
    }
    if (datacenters.containsKey(source)) {
      return source;
    }
    synchronized (datacenters) {
      if (datacenters.size() >= MAX_DATACENTERS) {
        return OTHER;
      }
      datacenters.put(source, Boolean.TRUE);
      return source;
    }
  }

  /** Calls counted for {@code method} from {@code datacenter} (its label). */
  public long count(String method, String datacenter) {
    Map<String, LongAdder> methods = byDatacenter.get(datacenter);
    LongAdder n = methods == null ? null : methods.get(method);
    return n == null ? 0 : n.sum();
  }

  /** The counter in Prometheus text exposition format 0.0.4. */
  public String prometheus() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP meshfed_internal_rpc_calls_total internal RPC calls this server served, by method and the"
        + " datacenter that sent them\n");
    out.append("# TYPE meshfed_internal_rpc_calls_total counter\n");
    byDatacenter.forEach((dc, methods) -> methods.forEach((method, n) -> out
        .append("meshfed_internal_rpc_calls_total{method=\"").append(method).append("\",dc=\"").append(dc)
        .append("\"} ").append(n.sum()).append('\n')));
    return out.toString();
  }
}
