package io.meshfed.gateway.control;

import com.typesafe.config.ConfigFactory;
import io.meshfed.gateway.GatewaySettings;
import io.meshfed.gateway.MeshGateway;
import io.meshfed.gateway.route.RouteTable;
import io.meshfed.gateway.route.RouteTableBuilder;
import io.meshfed.gateway.route.RoutingInputs;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running {@code meshfed gateway}: the SNI proxy, its routing table fed by watches of a local
 * server's gRPC API, and (optionally) its registration in the DC's catalog. {@link #close} undoes
 * all of it in reverse order: deregister, drain (keep proxying while connections are open, up to
 * the drain timeout), stop watching, stop proxying.
 */
public final class GatewayProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayProcess.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  /** Idle time of the connection to the local server, while a watch is open, before a ping. */
  static final Duration KEEPALIVE_TIME = Duration.ofSeconds(30);
  /** An unanswered ping closes the connection; the watches then reconnect. */
  private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Where the routing table comes from, and what to register.
   *
   * @param serverHost the local server's gRPC API
   * @param credentials what the gateway trusts and presents to that API (TLS when it is the gRPC
   *     TLS port) and its ACL token
   * @param registration present with {@code --register}
   */
  public record Control(String datacenter, String domain, String serverHost, int serverPort,
      LocalServerCredentials credentials, Optional<GatewayRegistration.Spec> registration) {
    /** Only a gateway registered with {@code --expose-servers} routes its own DC's server names. */
    public boolean exposeServers() {
      return registration.map(GatewayRegistration.Spec::exposeServers).orElse(false);
    }
  }

  private final MeshGateway gateway;
  private final ActorSystem<Void> system;
  private final FederationStateServiceClient federation;
  private final CatalogServiceClient catalog;
  private final ServerWatch watch;
  private final Optional<GatewayRegistration> registration;
  private final LocalServerCredentials credentials;

  private GatewayProcess(MeshGateway gateway, Control control) {
    this.gateway = gateway;
    // The process's own hook closes this in order (deregistering needs the gRPC client), so
    // Pekko's JVM hook must not terminate the system first.
    this.system = ActorSystem.create(Behaviors.empty(), "meshfed-gateway", ConfigFactory.parseString(
        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off\npekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()));
    this.credentials = control.credentials();
    GrpcClientSettings settings = localServer(control.serverHost(), control.serverPort(), credentials.tls(), system,
        KEEPALIVE_TIME);
    this.federation = FederationStateServiceClient.create(settings, system);
    this.catalog = CatalogServiceClient.create(settings, system);
    String server = (credentials.tls().isPresent() ? "https://" : "") + control.serverHost() + ":"
        + control.serverPort();
    this.watch = new ServerWatch(system, federation, catalog, server, credentials::token, control.datacenter(),
        snapshot -> install(control, snapshot));
    this.registration = control.registration().map(spec -> new GatewayRegistration(system, catalog,
        credentials::token, spec));
    gateway.metrics().append(credentials::prometheus);
  }

  /**
   * The gRPC client of the local server's API. It never stops reconnecting: by default Pekko gRPC
   * shuts a channel down that failed its first 20 connection attempts (about 20 minutes of grpc-java's
   * backoff), so a gateway started while its server was down that long would never watch it. While
   * a watch is open the client sends HTTP/2 PINGs (RFC 9113 §6.7) after
   * {@code keepAlive} without traffic, so a watch that carries nothing for long is neither dropped
   * by a NAT or firewall nor left hanging on a dead server. With {@code tls} the connection is gRPC
   * over TLS, and the server's certificate must name {@code host}.
   */
  static GrpcClientSettings localServer(String host, int port, Optional<SSLContext> tls, ActorSystem<?> system,
      Duration keepAlive) {
    GrpcClientSettings settings = GrpcClientSettings.connectToServiceAt(host, port, system);
    settings = tls.isPresent() ? settings.withTls(true).withSslContext(tls.get()) : settings.withTls(false);
    return settings
        .withConnectionAttempts(-1)
        .withChannelBuilderOverrides(builder -> builder
            .keepAliveTime(keepAlive.toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveWithoutCalls(false));
  }

  /**
   * Binds the proxy, then starts watching and registering; the proxy refuses connections (as
   * unknown SNI) until the first routing table arrives.
   *
   * @throws IOException when the listen or admin address cannot be bound
   */
  public static GatewayProcess start(GatewaySettings settings, Control control) throws IOException {
    MeshGateway gateway = MeshGateway.start(settings);
    control.credentials().warnings().forEach(LOG::warn);
    try {
      return new GatewayProcess(gateway, control);
    } catch (RuntimeException e) {
      gateway.close();
      throw e;
    }
  }

  private void install(Control control, RoutingSnapshot snapshot) {
    RouteTable current = gateway.routes();
    RoutingInputs inputs = new RoutingInputs(control.datacenter(), control.domain(), control.exposeServers(),
        snapshot.localServers(), snapshot.remoteGateways());
    RouteTable next = RouteTableBuilder.build(current.version() + 1, inputs);
    // Watches also answer when something else in the catalog changed: only a new route is a new table.
    // The first snapshot always is one (version 1), even when empty, so version 0 means "nothing
    // heard from the server yet" and not "nothing to route".
    if (current.version() > 0 && next.exact().equals(current.exact())
        && next.remoteDatacenters().equals(current.remoteDatacenters())) {
      return;
    }
    gateway.updateRoutes(next);
    LOG.info("routing table {}: local servers {}, remote DCs {}", next.version(),
        control.exposeServers() ? snapshot.localServers().keySet() : "not exposed", snapshot.remoteGateways().keySet());
  }

  public MeshGateway gateway() {
    return gateway;
  }

  /**
   * Reads the TLS and token files again (SIGHUP): new connections and calls to the local server
   * use them; the open connection and watches keep going.
   *
   * @return what is in force now, one line per part
   * @throws IllegalArgumentException a file fails a check; the old material stays in force
   */
  public List<String> reload() {
    List<String> done = credentials.reload();
    credentials.warnings().forEach(LOG::warn);
    return done;
  }

  /**
   * Deregisters, then drains ({@link MeshGateway#drain}): other DCs and the local servers stop
   * choosing this gateway once they see it gone from the catalog, and the connections they already
   * have move off it as they age, so closing after that cuts nothing. The watches keep the routes
   * current meanwhile; then everything stops.
   */
  @Override
  public void close() {
    registration.ifPresent(GatewayRegistration::close);
    gateway.drain();
    watch.close();
    try {
      federation.close().toCompletableFuture().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      catalog.close().toCompletableFuture().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("closing the gRPC clients of the local server: {}", e.getMessage());
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the gateway's actor system did not stop within {} s: {}", STOP_TIMEOUT.toSeconds(), e.getMessage());
    }
    gateway.close();
  }
}
