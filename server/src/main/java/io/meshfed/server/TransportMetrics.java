package io.meshfed.server;

import io.meshfed.transport.gossip.GossipCounters;
import io.meshfed.transport.port.RefusalReason;
import io.meshfed.transport.port.ServerPortStats;
import io.meshfed.transport.rpc.RpcServerStats;
import java.util.Locale;

/**
 * The server port's counters in Prometheus text 0.0.4, for {@code /v1/agent/metrics}: what it
 * admitted and refused, and what its RPC and gossip protocols dropped. Refusals are logged within
 * limits (a flood writes a few lines), so these counts are where a flood shows in full.
 */
record TransportMetrics(ServerPortStats port, RpcServerStats rpc, GossipCounters packets, GossipCounters streams) {

  String prometheus() {
    StringBuilder out = new StringBuilder();
    family(out, "meshfed_server_port_connections_open", "gauge", "open connections of the server port");
    out.append("meshfed_server_port_connections_open ").append(port.openConnections()).append('\n');
    family(out, "meshfed_server_port_refused_total", "counter",
        "connections the server port closed before handing them to a protocol, by reason");
    for (RefusalReason reason : RefusalReason.values()) {
      out.append("meshfed_server_port_refused_total{reason=\"").append(reason.name().toLowerCase(Locale.ROOT))
          .append("\"} ").append(port.refused(reason)).append('\n');
    }
    counter(out, "meshfed_rpc_server_protocol_errors_total",
        "internal RPC connections closed because the client broke the frame protocol", rpc.protocolErrors());
    counter(out, "meshfed_rpc_server_handler_failures_total",
        "internal RPC calls that failed inside this server (answered INTERNAL)", rpc.handlerFailures());
    family(out, "meshfed_gossip_received_dropped_total", "counter",
        "WAN gossip dropped: packets empty or undecodable, frames over 4 MiB (received, or answers too big to "
            + "send), failed handlers");
    out.append("meshfed_gossip_received_dropped_total{reason=\"undecodable_packet\"} ")
        .append(packets.packetsDropped()).append('\n');
    out.append("meshfed_gossip_received_dropped_total{reason=\"oversize_frame\"} ")
        .append(packets.refusedOversize() + streams.refusedOversize()).append('\n');
    out.append("meshfed_gossip_received_dropped_total{reason=\"handler_failed\"} ")
        .append(packets.handlerFailures() + streams.handlerFailures()).append('\n');
    return out.toString();
  }

  private static void counter(StringBuilder out, String name, String help, long value) {
    family(out, name, "counter", help);
    out.append(name).append(' ').append(value).append('\n');
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }
}
