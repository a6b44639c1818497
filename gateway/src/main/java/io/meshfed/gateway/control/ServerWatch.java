package io.meshfed.gateway.control;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.ListMeshGatewaysRequest;
import io.meshfed.protocol.v1.ListServicesRequest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.javadsl.StreamResponseRequestBuilder;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the local server for what the routing table needs (DESIGN §9): the DC's {@code meshfed}
 * service entries and ListMeshGateways. Each watch is a gRPC stream that is reopened with backoff
 * when it fails (the server restarts, say); the last snapshot stays in force meanwhile, so open and
 * new connections keep flowing. A new snapshot goes to {@code onChange} once both watches have
 * answered, and after every change of either.
 */
public final class ServerWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServerWatch.class);
  static final RestartSettings RESTART = RestartSettings.create(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);

  private final Object lock = new Object();
  private final Consumer<RoutingSnapshot> onChange;
  private final String server;
  private final UniqueKillSwitch servers;
  private final UniqueKillSwitch gateways;
  private final AtomicBoolean failing = new AtomicBoolean();
  private Map<String, InetSocketAddress> lastServers;
  private Map<String, List<InetSocketAddress>> lastGateways;

  /**
   * @param server "host:port" of the local server's gRPC API, for log lines
   * @param token the ACL token sent with each watch, or empty
   */
  public ServerWatch(ActorSystem<?> system, FederationStateServiceClient federation, CatalogServiceClient catalog,
      String server, String token, String localDatacenter, Consumer<RoutingSnapshot> onChange) {
    this.onChange = onChange;
    this.server = server;
    ListServicesRequest serversRequest = ListServicesRequest.newBuilder().setName(WireConstants.SERVER_SERVICE).build();
    this.servers = run(system, () -> withToken(catalog.watchServices(), token).invoke(serversRequest)
        .map(r -> RoutingSnapshot.localServers(r.getNodesList())), "the DC's servers", this::servers);
    this.gateways = run(system, () -> withToken(federation.watchMeshGateways(), token)
        .invoke(ListMeshGatewaysRequest.getDefaultInstance())
        .map(r -> RoutingSnapshot.remoteGateways(localDatacenter, r)), "the DCs' mesh gateways", this::gateways);
  }

  private static <Q, R> StreamResponseRequestBuilder<Q, R> withToken(StreamResponseRequestBuilder<Q, R> builder,
      String token) {
    return token.isEmpty() ? builder : builder.addHeader(WireConstants.GRPC_TOKEN_KEY, token);
  }

  private <T> UniqueKillSwitch run(ActorSystem<?> system, java.util.function.Supplier<Source<T, NotUsed>> watch,
      String what, Consumer<T> apply) {
    return RestartSource.withBackoff(RESTART, () -> watch.get()
            .watchTermination((mat, done) -> {
              done.whenComplete((d, err) -> {
                // One line when the server stops answering, one when it is back: not one per retry.
                if (err != null && failing.compareAndSet(false, true)) {
                  LOG.warn("cannot watch {} on the local server {}: {}; keeping the last routing table and retrying",
                      what, server, err.getMessage());
                }
              });
              return mat;
            }))
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.foreach(value -> {
          if (failing.compareAndSet(true, false)) {
            LOG.info("watching the local server {} again", server);
          }
          apply.accept(value);
        }), Keep.left())
        .run(system);
  }

  private void servers(Map<String, InetSocketAddress> value) {
    synchronized (lock) {
      lastServers = value;
      publish();
    }
  }

  private void gateways(Map<String, List<InetSocketAddress>> value) {
    synchronized (lock) {
      lastGateways = value;
      publish();
    }
  }

  private void publish() {
    if (lastServers != null && lastGateways != null) {
      onChange.accept(new RoutingSnapshot(lastServers, lastGateways));
    }
  }

  @Override
  public void close() {
    servers.shutdown();
    gateways.shutdown();
  }
}
