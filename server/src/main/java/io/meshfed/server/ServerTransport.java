package io.meshfed.server;

import io.meshfed.server.config.ConfigException;
import io.meshfed.server.config.ServerConfig;
import io.meshfed.actors.locator.GatewayProbe;
import io.meshfed.actors.locator.TlsGatewayProbe;
import io.meshfed.actors.forward.Dialer;
import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.gossip.GossipDialer;
import io.meshfed.transport.gossip.GossipPacketReceiver;
import io.meshfed.transport.gossip.GossipStreamReceiver;
import io.meshfed.transport.gossip.PlainGossipDialer;
import io.meshfed.transport.gossip.TlsGossipDialer;
import io.meshfed.transport.dial.TlsConnector;
import io.meshfed.transport.port.ProtocolHandler;
import io.meshfed.transport.port.ServerPort;
import io.meshfed.transport.port.ServerPortSettings;
import io.meshfed.transport.rpc.PlainConnector;
import io.meshfed.transport.rpc.RpcClient;
import io.meshfed.transport.rpc.RpcClientOptions;
import io.meshfed.transport.rpc.RpcServer;
import io.meshfed.transport.tls.TlsMaterial;
import io.meshfed.transport.tls.TlsSource;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A server's TLS material, its server port and its internal RPC client, from its configuration. */
final class ServerTransport {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTransport.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private ServerTransport() {}

  /**
   * Loads and checks the TLS files (key matches, CA validates, both SANs present); the
   * first error stops start-up, an expiry within 30 days is a warning.
   */
  static Optional<TlsMaterial> tlsMaterial(ServerConfig config) {
    ServerConfig.Tls tls = config.tls();
    if (!tls.configured()) {
      return Optional.empty();
    }
    TlsMaterial material = checkedMaterial(config, Clock.systemUTC());
    overriddenVerifySettings(tls).forEach(LOG::warn);
    return Optional.of(material);
  }

  /**
   * The TLS files as they are now, checked as at start (and at every reload): the first error is
   * thrown, warnings (an expiry within 30 or 7 days) are logged.
   */
  static TlsMaterial checkedMaterial(ServerConfig config, Clock clock) {
    ServerConfig.Tls tls = config.tls();
    TlsMaterial material;
    try {
      // Read once and checked as read: a file replaced meanwhile cannot slip past the checks.
      material = TlsMaterial.load(tls.caFile(), tls.certFile(), tls.keyFile());
    } catch (TlsMaterial.LoadException e) {
      throw new ConfigException("meshfed.tls: " + e.problems().get(0).message());
    }
    List<TlsMaterial.Problem> problems = material.preflight(config.datacenter(), config.nodeName(), config.domain(),
        clock);
    for (TlsMaterial.Problem p : problems) {
      if (p.severity() == TlsMaterial.Severity.ERROR) {
        throw new ConfigException("meshfed.tls: " + p.message());
      }
    }
    problems.forEach(p -> LOG.warn("meshfed.tls: {}", p.message()));
    return material;
  }

  /** The gateway locator's probe: a TLS handshake through a gateway, as a cross-DC dial makes it. */
  static GatewayProbe gatewayProbe(ServerConfig config, TlsSource tls) {
    try {
      return TlsGatewayProbe.create(tls, config.federationStates().gatewayProbeTimeout());
    } catch (SSLException e) {
      throw new ConfigException("meshfed.tls: cannot build the gateway probe's TLS client: " + e.getMessage());
    }
  }

  /**
   * With TLS the server port takes native TLS only (mutual TLS always, whatever verify-incoming
   * says: gateways expose this port) and dispatches on ALPN; without TLS it takes the plaintext
   * type byte, which only a same-DC dev setup uses.
   */
  static ServerPort serverPort(ServerConfig config, Optional<TlsSource> tls, RpcServer rpc,
      GossipPacketReceiver gossipPackets, GossipStreamReceiver gossipStreams) {
    ProtocolHandler rpcHandler = (pipeline, info) -> rpc.pipelineInstaller().accept(pipeline);
    ServerPortSettings.Builder settings = ServerPortSettings.builder(config.bindAddress(), config.ports().server())
        .maxConnections(config.limits().serverPort().maxConnections())
        .handshakeTimeout(config.limits().serverPort().handshakeTimeout());
    try {
      if (tls.isPresent()) {
        settings.tls(tls.get().serverPort(WireConstants.ALPN_IDS))
            .applicationProtocol(WireConstants.ALPN_RPC, rpcHandler)
            .applicationProtocol(WireConstants.ALPN_WAN_GOSSIP_PACKET, gossipPackets)
            .applicationProtocol(WireConstants.ALPN_WAN_GOSSIP_STREAM, gossipStreams);
      } else {
        settings.plaintextProtocol(WireConstants.TYPE_RPC, rpcHandler)
            .plaintextProtocol(WireConstants.TYPE_WAN_GOSSIP_PACKET, gossipPackets)
            .plaintextProtocol(WireConstants.TYPE_WAN_GOSSIP_STREAM, gossipStreams);
      }
      return ServerPort.start(settings.build());
    } catch (SSLException e) {
      throw new ConfigException("meshfed.tls: cannot build the server port's TLS context: " + e.getMessage());
    } catch (IOException e) {
      throw new ConfigException("cannot listen on " + config.bindAddress() + ":" + config.ports().server()
          + " for the server port: " + (String.valueOf(e.getMessage()).contains("in use")
          ? "address already in use" : e.getMessage()) + " (meshfed.ports.server)");
    }
  }

  /**
   * With TLS every dial is TLS, its SNI naming the server that must answer; without it the client
   * dials same-DC servers in plaintext and the {@link Dialer} refuses every cross-DC target.
   */
  static RpcClient rpcClient(ServerConfig config, Optional<TlsSource> tls) {
    if (tls.isEmpty()) {
      return new RpcClient(new PlainConnector(CONNECT_TIMEOUT), RpcClientOptions.defaults());
    }
    try {
      TlsConnector connector = new TlsConnector(tls.get().client(WireConstants.ALPN_RPC),
          key -> Dialer.serverName(key, config.domain()), CONNECT_TIMEOUT);
      return new RpcClient(connector, RpcClientOptions.defaults());
    } catch (SSLException e) {
      throw new ConfigException("meshfed.tls: cannot build the RPC client's TLS context: " + e.getMessage());
    }
  }

  /** Gossip dials the same way as RPC: TLS with the member's SNI, or plaintext within the DC only. */
  static GossipDialer gossipDialer(ServerConfig config, Optional<TlsSource> tls) {
    if (tls.isEmpty()) {
      return new PlainGossipDialer(Names.datacenterKey(config.datacenter()), CONNECT_TIMEOUT);
    }
    try {
      return TlsGossipDialer.create(tls.get(), config.domain(), CONNECT_TIMEOUT);
    } catch (SSLException e) {
      throw new ConfigException("meshfed.tls: cannot build the gossip client's TLS context: " + e.getMessage());
    }
  }

  /** A JDK context of the material in force, for {@code what} (the LAN cluster's, the client APIs'). */
  static Supplier<SSLContext> jdkContext(TlsSource tls, String what) {
    try {
      return tls.jdk();
    } catch (SSLException | RuntimeException e) {
      throw new ConfigException("meshfed.tls: cannot build " + what + " TLS context: " + e.getMessage());
    }
  }

  /**
   * The {@code verify-*} settings that ask for less than meshfed does: every TLS path verifies both
   * ends, because the server port is reachable through mesh gateways (as Consul does
   * for its ALPN path). Each is one warning line, so a setting copied from Consul is not a surprise.
   */
  static List<String> overriddenVerifySettings(ServerConfig.Tls tls) {
    List<String> out = new ArrayList<>();
    if (!tls.verifyIncoming()) {
      out.add("meshfed.tls.verify-incoming = false has no effect: the server port and the LAN always require "
          + "client certificates signed by ca-file, because mesh gateways expose the server port");
    }
    if (!tls.verifyOutgoing()) {
      out.add("meshfed.tls.verify-outgoing = false has no effect: dials always verify the server's certificate "
          + "against ca-file");
    }
    if (!tls.verifyServerHostname()) {
      out.add("meshfed.tls.verify-server-hostname = false has no effect: dials always verify the certificate "
          + "against the target's name (<node>.server.<dc>.<domain> or server.<dc>.<domain>)");
    }
    return out;
  }
}
