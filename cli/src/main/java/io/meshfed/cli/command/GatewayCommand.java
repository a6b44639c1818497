package io.meshfed.cli.command;

import io.meshfed.cli.http.ApiAddress;
import io.meshfed.cli.http.HostPort;
import io.meshfed.cli.logging.LogFormat;
import io.meshfed.gateway.GatewaySettings;
import io.meshfed.gateway.GatewayTransport;
import io.meshfed.gateway.control.GatewayProcess;
import io.meshfed.gateway.control.GatewayRegistration;
import io.meshfed.gateway.control.LocalServerCredentials;
import io.meshfed.protocol.model.GoDuration;
import io.meshfed.protocol.names.Names;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code meshfed gateway}: runs a mesh gateway (docs/gateway.md) until SIGTERM or SIGINT; SIGHUP reloads. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = {"Run a mesh gateway: route TLS connections by SNI, without decrypting them, to this DC's "
        + "servers and to other DCs' gateways.",
        "The routing table comes from a local server's gRPC API; see docs/gateway.md.",
        "SIGHUP reads --ca-file, --client-cert, --client-key and --token-file again; SIGTERM deregisters it, "
            + "drains it (--drain-timeout) and stops it."})
public final class GatewayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--datacenter", paramLabel = "DC", required = true, description = "This gateway's datacenter.")
  String datacenter;

  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:8443",
      description = "Where TLS clients connect (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(names = "--lan-address", paramLabel = "HOST:PORT",
      description = "Address this DC's servers dial (default: --listen, unless it is a wildcard).")
  String lanAddress;

  @Option(names = "--wan-address", paramLabel = "HOST:PORT",
      description = "Address other DCs' servers and gateways dial (default: --lan-address).")
  String wanAddress;

  @Option(names = "--server-addr", paramLabel = "[https://]HOST:PORT", defaultValue = "127.0.0.1:8502",
      description = "A local server's gRPC API; https:// for its gRPC TLS port (default: ${DEFAULT-VALUE}).")
  String serverAddr;

  @Option(names = "--ca-file", paramLabel = "FILE", defaultValue = "${env:MESHFED_CACERT}",
      description = "With an https:// --server-addr: the CA certificate(s) that sign the server's certificate, PEM "
          + "(env MESHFED_CACERT; default: the JDK's trusted CAs).")
  Path caFile;

  @Option(names = "--client-cert", paramLabel = "FILE", defaultValue = "${env:MESHFED_CLIENT_CERT}",
      description = "With an https:// --server-addr: a client certificate, PEM, for a server with "
          + "tls.grpc.verify-incoming (env MESHFED_CLIENT_CERT).")
  Path clientCert;

  @Option(names = "--client-key", paramLabel = "FILE", defaultValue = "${env:MESHFED_CLIENT_KEY}",
      description = "With an https:// --server-addr: the client certificate's key, PEM (env MESHFED_CLIENT_KEY).")
  Path clientKey;

  @Option(names = "--register", description = "Register this gateway in the DC's catalog, with a health check.")
  boolean register;

  @Option(names = "--expose-servers",
      description = "Expose the DC's servers for WAN federation through this gateway (needs --register).")
  boolean exposeServers;

  @Option(names = "--name", paramLabel = "NAME", description = "Catalog node name (default: <host name>-gateway).")
  String name;

  @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "19000",
      description = "Port of GET /metrics and GET /health, on the --listen host; 0 picks one (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--domain", paramLabel = "DOMAIN", defaultValue = Names.DEFAULT_DOMAIN,
      description = "Domain of SNI names (default: ${DEFAULT-VALUE}).")
  String domain;

  @Option(names = "--token", paramLabel = "TOKEN", description = "ACL token for the server's API "
      + "(operator:write with --register, else operator:read).")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "A file holding the ACL token, instead of --token; read again on SIGHUP.")
  Path tokenFile;

  @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "5s",
      description = "Time one upstream connect may take (default: ${DEFAULT-VALUE}).")
  String connectTimeout;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "1h",
      description = "A connection with no traffic either way for this long is closed (default: ${DEFAULT-VALUE}).")
  String idleTimeout;

  @Option(names = "--max-connections-per-route", paramLabel = "N", defaultValue = "10000",
      description = "Open connections per route beyond which new ones are refused (default: ${DEFAULT-VALUE}).")
  int maxConnectionsPerRoute;

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "20000",
      description = "Client connections open at once; more are closed at accept (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--admin-max-connections", paramLabel = "N", defaultValue = "64",
      description = "Admin port connections open at once; more are closed at accept (default: ${DEFAULT-VALUE}).")
  int adminMaxConnections;

  @Option(names = "--admin-request-timeout", paramLabel = "DURATION", defaultValue = "10s",
      description = "Time an admin connection has to send a complete request (default: ${DEFAULT-VALUE}).")
  String adminRequestTimeout;

  @Option(names = "--admin-idle-timeout", paramLabel = "DURATION", defaultValue = "60s",
      description = "Time a kept-alive admin connection has to send its next request (default: ${DEFAULT-VALUE}).")
  String adminIdleTimeout;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "On SIGTERM, after deregistering, keep relaying and accepting until no connection is open or "
          + "this long has passed; 0s stops at once (default: ${DEFAULT-VALUE}).")
  String drainTimeout;

  @Option(names = "--io-threads", paramLabel = "N", defaultValue = "0",
      description = "Event loop threads for connections; 0 means twice the processors (default: ${DEFAULT-VALUE}).")
  int ioThreads;

  @Option(names = "--transport", paramLabel = "auto|epoll|nio", defaultValue = "auto",
      description = "Event loop transport: epoll where it loads (Linux x86-64), else NIO; 'nio' forces Java NIO, "
          + "'epoll' fails the start where epoll cannot load (default: ${DEFAULT-VALUE}).")
  String transport;

  @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:MESHFED_LOG_FORMAT:-text}",
      description = "Log lines on stderr: text, or json (one object per line, for log pipelines);"
          + " default text, or MESHFED_LOG_FORMAT.")
  LogFormat logFormat;

  @Option(names = "--parent-pid", paramLabel = "PID", hidden = true,
      description = "Stop when the process PID is gone (used by meshfed demo for its children).")
  Long parentPid;

  @Override
  public Integer call() throws InterruptedException {
    logFormat.apply();
    ParentWatch.exitWhenGone(parentPid);
    GatewaySettings settings;
    GatewayProcess.Control control;
    HostPort listenAt = address("--listen", listen);
    try {
      settings = settings(listenAt);
      control = control(listenAt);
      LogFormat.claim(datacenter, name != null ? name : defaultName());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    GatewayProcess process;
    try {
      process = GatewayProcess.start(settings, control);
    } catch (IOException e) {
      spec.commandLine().getErr().println("Error: cannot listen on " + listenAt + " or admin port " + adminPort
          + " for the gateway: " + (String.valueOf(e.getMessage()).contains("in use") ? "address already in use"
          : e.getMessage()) + " (--listen, --admin-port)");
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      process.close();
      stopped.countDown();
    }, "meshfed-gateway-shutdown"));
    ReloadSignal.install(process::reload, "meshfed gateway");
    spec.commandLine().getOut().println(readyLine(process, control));
    spec.commandLine().getOut().flush();
    stopped.await();
    return 0;
  }

  private GatewaySettings settings(HostPort listenAt) {
    GatewaySettings.Builder b = GatewaySettings.builder(listenAt.host(), listenAt.port())
        .connectTimeout(duration("--connect-timeout", connectTimeout))
        .idleTimeout(duration("--idle-timeout", idleTimeout))
        .maxConnectionsPerRoute(maxConnectionsPerRoute)
        .maxConnections(maxConnections)
        .adminMaxConnections(adminMaxConnections)
        .adminRequestTimeout(duration("--admin-request-timeout", adminRequestTimeout))
        .adminIdleTimeout(duration("--admin-idle-timeout", adminIdleTimeout))
        .drainTimeout(GoDuration.parse(drainTimeout).orElseThrow(() -> new IllegalArgumentException(
            "--drain-timeout must be a duration such as 30s, or 0s to stop at once, got '" + drainTimeout + "'")))
        .ioThreads(ioThreads)
        .transport(transport(transport));
    if (adminPort < 0 || adminPort > 65535) {
      throw new IllegalArgumentException("--admin-port must be 0 to 65535, got " + adminPort);
    }
    b.admin(listenAt.host(), adminPort);
    return b.build();
  }

  private static GatewayTransport transport(String value) {
    try {
      return GatewayTransport.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--transport must be auto, epoll or nio, got '" + value + "'", e);
    }
  }

  private GatewayProcess.Control control(HostPort listenAt) {
    Names.datacenterError(datacenter).ifPresent(err -> {
      throw new IllegalArgumentException("--datacenter: " + err);
    });
    if (exposeServers && !register) {
      throw new IllegalArgumentException("--expose-servers requires --register");
    }
    ApiAddress server;
    try {
      server = ApiAddress.parse(serverAddr);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--server-addr: " + e.getMessage());
    }
    if (tokenFile != null && token != null && !token.isEmpty()) {
      throw new IllegalArgumentException("give --token or --token-file, not both");
    }
    LocalServerCredentials credentials = LocalServerCredentials.load(server.tls()
        ? Optional.of(new LocalServerCredentials.TlsFiles(Optional.ofNullable(caFile), Optional.ofNullable(clientCert),
            Optional.ofNullable(clientKey))) : Optional.empty(), token == null ? "" : token,
        Optional.ofNullable(tokenFile), Clock.systemUTC());
    Optional<GatewayRegistration.Spec> registration = Optional.empty();
    if (register) {
      HostPort lan = lanAddress != null ? address("--lan-address", lanAddress) : listenAt;
      if (lanAddress == null && isWildcard(listenAt.host())) {
        throw new IllegalArgumentException("--register needs --lan-address HOST:PORT: --listen " + listenAt
            + " is a wildcard address that servers cannot dial");
      }
      HostPort wan = wanAddress != null ? address("--wan-address", wanAddress) : lan;
      registration = Optional.of(new GatewayRegistration.Spec(datacenter, name != null ? name : defaultName(),
          InetSocketAddress.createUnresolved(lan.host(), lan.port()),
          InetSocketAddress.createUnresolved(wan.host(), wan.port()), exposeServers));
    } else if (lanAddress != null || wanAddress != null || name != null) {
      throw new IllegalArgumentException("--lan-address, --wan-address and --name are registered: give --register");
    }
    return new GatewayProcess.Control(datacenter, domain, server.hostPort().host(), server.hostPort().port(),
        credentials, registration);
  }

  private String readyLine(GatewayProcess process, GatewayProcess.Control control) {
    InetSocketAddress at = process.gateway().listenAddress();
    return "meshfed gateway ready: datacenter " + datacenter + ", listening " + HostPort.format(
        at.getAddress().getHostAddress(), at.getPort())
        + process.gateway().adminAddress().map(a -> ", admin http://" + HostPort.format(
            a.getAddress().getHostAddress(), a.getPort()) + "/metrics").orElse("")
        + ", server " + (control.credentials().tls().isPresent() ? "https://" : "") + control.serverHost() + ":"
        + control.serverPort()
        + control.registration().map(r -> ", registered as " + r.node()).orElse("")
        + (control.exposeServers() ? " (exposing the DC's servers)"
            : "; routing to other DCs only (the DC's servers are not exposed without --expose-servers)");
  }

  private HostPort address(String option, String value) {
    try {
      return HostPort.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
    }
  }

  private static Duration duration(String option, String value) {
    return GoDuration.parse(value).filter(d -> !d.isZero())
        .orElseThrow(() -> new IllegalArgumentException(option + " must be a positive duration such as 5s or 1h, got '"
            + value + "'"));
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  private static String defaultName() {
    try {
      return InetAddress.getLocalHost().getHostName() + "-gateway";
    } catch (UnknownHostException e) {
      return "mesh-gateway";
    }
  }
}
