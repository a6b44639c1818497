package io.meshfed.gateway.control;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.ListMeshGatewaysRequest;
import io.meshfed.protocol.v1.ListServicesRequest;
import io.meshfed.transport.logging.Causes;
import io.meshfed.transport.logging.RateLimitedLog;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.javadsl.StreamResponseRequestBuilder;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Watches the local server for what the routing table needs: the DC's {@code meshfed} service
 * entries and ListMeshGateways. Each watch is a gRPC stream, reopened when it ends or fails (the
 * server restarts, its store moves) after a short backoff: {@link #FIRST_RETRY}, doubling up to
 * {@link #MAX_RETRY}, and back to the first once a message arrives. The last snapshot stays in
 * force meanwhile, so open and new connections keep flowing. A new snapshot goes to
 * {@code onChange} once both watches have answered, and after every change of either.
 *
 * <p>Each watch logs one line when it stops working, with the gRPC status and description, and
 * one when it works again; both within limits, should the server fail every watch right after
 * its first answer.
 */
public final class ServerWatch implements AutoCloseable {
  static final Duration FIRST_RETRY = Duration.ofMillis(200);
  static final Duration MAX_RETRY = Duration.ofSeconds(5);
  private static final double JITTER = 0.2;
  private static final Logger LOG = LoggerFactory.getLogger(ServerWatch.class);

  private final Object lock = new Object();
  private final Consumer<RoutingSnapshot> onChange;
  private final Watch<Map<String, InetSocketAddress>> servers;
  private final Watch<Map<String, List<InetSocketAddress>>> gateways;
  private Map<String, InetSocketAddress> lastServers;
  private Map<String, List<InetSocketAddress>> lastGateways;

  /**
   * @param server "host:port" of the local server's gRPC API, for log lines
   * @param token the ACL token in force, or empty: asked each time a watch is opened
   */
  public ServerWatch(ActorSystem<?> system, FederationStateServiceClient federation, CatalogServiceClient catalog,
      String server, Supplier<String> token, String localDatacenter, Consumer<RoutingSnapshot> onChange) {
    this.onChange = onChange;
    ListServicesRequest serversRequest = ListServicesRequest.newBuilder().setName(WireConstants.SERVER_SERVICE).build();
    this.servers = new Watch<>(system, "the DC's servers", server,
        () -> withToken(catalog.watchServices(), token).invoke(serversRequest)
            .map(r -> RoutingSnapshot.localServers(r.getNodesList())),
        this::servers);
    this.gateways = new Watch<>(system, "the DCs' mesh gateways", server,
        () -> withToken(federation.watchMeshGateways(), token).invoke(ListMeshGatewaysRequest.getDefaultInstance())
            .map(r -> RoutingSnapshot.remoteGateways(localDatacenter, r)),
        this::gateways);
    servers.open();
    gateways.open();
  }

  private static <Q, R> StreamResponseRequestBuilder<Q, R> withToken(StreamResponseRequestBuilder<Q, R> builder,
      Supplier<String> token) {
    String current = token.get();
    return current.isEmpty() ? builder : builder.addHeader(WireConstants.GRPC_TOKEN_KEY, current);
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
    servers.close();
    gateways.close();
  }

  /** One gRPC stream, reopened with backoff for as long as the gateway runs. */
  private static final class Watch<T> {
    private final ActorSystem<?> system;
    private final String what;
    private final String server;
    private final Supplier<Source<T, NotUsed>> stream;
    private final Consumer<T> apply;
    private final Backoff backoff = new Backoff(FIRST_RETRY, MAX_RETRY, JITTER, () -> ThreadLocalRandom.current().nextDouble());
    private final RateLimitedLog stopped = RateLimitedLog.warn(LOG);
    private final RateLimitedLog recovered = new RateLimitedLog(LOG, Level.INFO, RateLimitedLog.DEFAULT_BURST,
        RateLimitedLog.DEFAULT_INTERVAL, System::nanoTime);
    private boolean closed;
    private boolean failing;
    private UniqueKillSwitch running;
    private Cancellable retry;

    Watch(ActorSystem<?> system, String what, String server, Supplier<Source<T, NotUsed>> stream, Consumer<T> apply) {
      this.system = system;
      this.what = what;
      this.server = server;
      this.stream = stream;
      this.apply = apply;
    }

    void open() {
      synchronized (this) {
        if (closed) {
          return;
        }
        Pair<UniqueKillSwitch, CompletionStage<Done>> run = stream.get()
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(Sink.foreach(this::received), Keep.both())
            .run(system);
        running = run.first();
        run.second().whenComplete((done, error) -> ended(error));
      }
    }

    private void received(T value) {
      boolean wasFailing;
      synchronized (this) {
        backoff.reset();
        wasFailing = failing;
        failing = false;
      }
      if (wasFailing) {
        recovered.log("watching {} on the local server {} again", what, server);
      }
      apply.accept(value);
    }

    private void ended(Throwable error) {
      Duration delay;
      boolean firstFailure;
      synchronized (this) {
        if (closed) {
          return;
        }
        delay = backoff.next();
        firstFailure = !failing;
        failing = true;
        retry = system.scheduler().scheduleOnce(delay, this::open, system.executionContext());
      }
      String why = error == null ? "the server ended it" : Causes.describe(error);
      if (firstFailure) {
        stopped.log("the watch of {} on the local server {} stopped: {}; keeping the last routing table and"
            + " reconnecting", what, server, why);
      } else {
        LOG.debug("the watch of {} on the local server {} stopped again: {}; next attempt in {} ms", what, server,
            why, delay.toMillis());
      }
    }

    void close() {
      synchronized (this) {
        closed = true;
        if (retry != null) {
          retry.cancel();
        }
        if (running != null) {
          running.shutdown();
        }
      }
    }
  }
}
