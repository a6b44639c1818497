package io.meshfed.actors.server;

import io.meshfed.actors.config.ConfigException;
import io.meshfed.actors.config.ServerConfig;
import io.meshfed.actors.forward.GatewayForwarder;
import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.dial.TlsConnector;
import io.meshfed.transport.port.ProtocolHandler;
import io.meshfed.transport.port.ServerPort;
import io.meshfed.transport.port.ServerPortSettings;
import io.meshfed.transport.rpc.RpcClient;
import io.meshfed.transport.rpc.RpcClientOptions;
import io.meshfed.transport.rpc.RpcServer;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A server's TLS material, its server port and its internal RPC client, from its configuration. */
final class ServerTransport {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTransport.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private ServerTransport() {}

  /**
   * Loads and checks the TLS files (DESIGN §10: key matches, CA validates, both SANs present); the
   * first error stops start-up, an expiry within 30 days is a warning.
   */
  static Optional<TlsMaterial> tlsMaterial(ServerConfig config) {
    ServerConfig.Tls tls = config.tls();
    if (!tls.configured()) {
      return Optional.empty();
    }
    List<TlsMaterial.Problem> problems = TlsMaterial.check(tls.caFile(), tls.certFile(), tls.keyFile(),
        config.datacenter(), config.nodeName(), config.domain(), Clock.systemUTC());
    for (TlsMaterial.Problem p : problems) {
      if (p.severity() == TlsMaterial.Severity.ERROR) {
        throw new ConfigException("meshfed.tls: " + p.message());
      }
      LOG.warn("meshfed.tls: {}", p.message());
    }
    return Optional.of(TlsMaterial.load(tls.caFile(), tls.certFile(), tls.keyFile()));
  }

  /**
   * With TLS the server port takes native TLS only (mutual TLS always, whatever verify-incoming
   * says: gateways expose this port) and dispatches on ALPN; without TLS it takes the plaintext
   * type byte, which only a same-DC dev setup uses.
   */
  static ServerPort serverPort(ServerConfig config, Optional<TlsMaterial> tls, RpcServer rpc) {
    ProtocolHandler rpcHandler = (pipeline, info) -> rpc.pipelineInstaller().accept(pipeline);
    ServerPortSettings.Builder settings = ServerPortSettings.builder(config.bindAddress(), config.ports().server());
    try {
      if (tls.isPresent()) {
        settings.tls(TlsContexts.serverPort(tls.get(), List.of(WireConstants.ALPN_RPC)))
            .applicationProtocol(WireConstants.ALPN_RPC, rpcHandler);
      } else {
        settings.plaintextProtocol(WireConstants.TYPE_RPC, rpcHandler);
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

  /** Cross-DC calls always use TLS; without it there is no client, and they fail with a clear error. */
  static Optional<RpcClient> rpcClient(ServerConfig config, Optional<TlsMaterial> tls) {
    if (tls.isEmpty()) {
      return Optional.empty();
    }
    try {
      TlsConnector connector = new TlsConnector(TlsContexts.client(tls.get(), WireConstants.ALPN_RPC),
          key -> GatewayForwarder.serverName(key, config.domain()), CONNECT_TIMEOUT);
      return Optional.of(new RpcClient(connector, RpcClientOptions.defaults()));
    } catch (SSLException e) {
      throw new ConfigException("meshfed.tls: cannot build the RPC client's TLS context: " + e.getMessage());
    }
  }

  /** DC → gateway addresses: static-gateways, plus primary-gateways for the primary. */
  static Map<String, List<String>> gateways(ServerConfig config) {
    Map<String, List<String>> out = new TreeMap<>();
    config.staticGateways().forEach((dc, addresses) -> out.put(Names.datacenterKey(dc), new ArrayList<>(addresses)));
    if (!config.primaryGateways().isEmpty()) {
      out.computeIfAbsent(Names.datacenterKey(config.primaryDatacenter()), dc -> new ArrayList<>())
          .addAll(config.primaryGateways());
    }
    return out;
  }
}
