package io.meshfed.actors.forward;

import io.meshfed.protocol.errors.ApiException;
import io.meshfed.actors.lan.LanMembers;
import io.meshfed.protocol.names.Names;
import io.meshfed.transport.rpc.PoolKey;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where a connection to a server goes (docs/architecture.md, "Data flow of one request"). A target is a DC
 * and a node, or any server of the DC ({@link #ANY_SERVER}); the protocol (ALPN id) is the dialing client's
 * own. Same DC: the server's own server port, found among the DC's alive LAN members. Other DC: one of its
 * mesh gateways, and the TLS SNI (from {@link #serverName}) tells the gateway which server to splice to;
 * without TLS there is no cross-DC dial at all. "Any server" of another DC becomes one of its servers the WAN
 * membership knows alive, so the call is pinned to a server that answers gossip; only while none is known
 * (before the WAN join) does the gateway pick.
 */
public final class Dialer {
  /** The node of "any server of the DC": the SNI names the DC only. */
  public static final String ANY_SERVER = "*";

  private final String localDatacenter;
  private final boolean tls;
  private final Supplier<List<LanMembers.Server>> localServers;
  private final GatewayResolver gateways;
  private final Function<String, List<String>> remoteServers;

  /**
   * @param localServers the DC's servers as the LAN cluster currently sees them
   * @param tls whether TLS is configured: cross-DC dials need it
   * @param remoteServers DC (lower case) → node names of its alive servers, from the WAN membership
   */
  public Dialer(String localDatacenter, boolean tls, Supplier<List<LanMembers.Server>> localServers,
      GatewayResolver gateways, Function<String, List<String>> remoteServers) {
    this.localDatacenter = Names.datacenterKey(localDatacenter);
    this.tls = tls;
    this.localServers = localServers;
    this.gateways = gateways;
    this.remoteServers = remoteServers;
  }

  /**
   * The pool key of a target: its DC, node and the address to connect to.
   *
   * @throws ApiException UNAVAILABLE, with the reason, when there is no path
   */
  public PoolKey route(String datacenter, String node) {
    String dc = Names.datacenterKey(datacenter);
    if (dc.equals(localDatacenter)) {
      return local(dc, node);
    }
    if (!tls) {
      throw new ApiException(ApiException.Code.UNAVAILABLE, "No path to datacenter \"" + datacenter
          + "\": cross-DC calls need TLS (meshfed.tls) and are never sent in plaintext");
    }
    List<InetSocketAddress> known = gateways.gateways(dc);
    if (known.isEmpty()) {
      throw new ApiException(ApiException.Code.UNAVAILABLE, "No path to datacenter \"" + datacenter
          + "\": no mesh gateway is known for it (" + gateways.source() + ")");
    }
    String target = node;
    if (ANY_SERVER.equals(node)) {
      List<String> alive = remoteServers.apply(dc);
      if (!alive.isEmpty()) {
        target = alive.get(ThreadLocalRandom.current().nextInt(alive.size()));
      }
    }
    return new PoolKey(dc, target, known.get(ThreadLocalRandom.current().nextInt(known.size())));
  }

  private PoolKey local(String dc, String node) {
    List<LanMembers.Server> alive = localServers.get().stream()
        .filter(s -> s.status().equals(LanMembers.ALIVE) && s.serverPort() > 0).toList();
    LanMembers.Server chosen;
    if (ANY_SERVER.equals(node)) {
      if (alive.isEmpty()) {
        throw new ApiException(ApiException.Code.UNAVAILABLE, "No path to datacenter \"" + dc
            + "\": none of its servers is alive");
      }
      chosen = alive.get(ThreadLocalRandom.current().nextInt(alive.size()));
    } else {
      chosen = alive.stream().filter(s -> s.node().equals(node)).findFirst()
          .orElseThrow(() -> new ApiException(ApiException.Code.UNAVAILABLE, "No path to server \"" + node
              + "\" in datacenter \"" + dc + "\": it is not an alive server of the DC"));
    }
    return new PoolKey(dc, chosen.node(), InetSocketAddress.createUnresolved(chosen.host(), chosen.serverPort()));
  }

  /**
   * The TLS SNI and the name the server's certificate is verified against: {@code server.<dc>.<domain>}
   * for any server, {@code <node>.server.<dc>.<domain>} for one.
   */
  public static String serverName(PoolKey key, String domain) {
    return ANY_SERVER.equals(key.node()) ? Names.anyServerSni(key.datacenter(), domain)
        : Names.serverSni(key.node(), key.datacenter(), domain);
  }
}
