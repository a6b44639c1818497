package io.meshfed.gateway.control;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.junit.jupiter.api.Test;

/**
 * While a watch is open and quiet, the gateway's gRPC client pings its local server. It takes
 * about 10 s: grpc-java raises any shorter keepalive time to that.
 */
class LocalServerKeepaliveTest {
  private static final Duration KEEPALIVE = Duration.ofSeconds(10);

  @Test
  void anOpenQuietWatchIsKeptAliveWithPings() throws Exception {
    ActorSystem<Void> gateway = ActorSystem.create(Behaviors.empty(), "gateway-keepalive",
        ConfigFactory.parseString("pekko.loglevel = ERROR").withFallback(ConfigFactory.load()));
    try (FakeLocalServer server = new FakeLocalServer();
         Http2PingCounter proxy = new Http2PingCounter(new InetSocketAddress("127.0.0.1", server.port()))) {
      GrpcClientSettings settings = GatewayProcess.localServer("127.0.0.1", proxy.port(), Optional.empty(), gateway, KEEPALIVE);
      FederationStateServiceClient federation = FederationStateServiceClient.create(settings, gateway);
      CatalogServiceClient catalog = CatalogServiceClient.create(settings, gateway);
      CompletableFuture<RoutingSnapshot> answered = new CompletableFuture<>();
      try (ServerWatch watch = new ServerWatch(gateway, federation, catalog, "proxy", () -> "", "dc1", answered::complete)) {
        answered.get(10, TimeUnit.SECONDS);
        // From here both watches are open and carry nothing; each of the two connections must ping.
        int before = proxy.clientPings();
        await().atMost(KEEPALIVE.multipliedBy(3)).until(() -> proxy.clientPings() >= before + 2);
      } finally {
        federation.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
        catalog.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } finally {
      gateway.terminate();
      gateway.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
