package io.meshfed.server;

import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.FederationStateServiceClient;
import io.meshfed.protocol.v1.OperatorServiceClient;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;

/**
 * The generated gRPC clients of one test server, on an actor system of their own so that closing
 * them cannot disturb the server's.
 */
final class GrpcClients implements AutoCloseable {
  final ActorSystem<Void> system;
  final FederationStateServiceClient federation;
  final CatalogServiceClient catalog;
  final OperatorServiceClient operator;

  GrpcClients(MeshfedServer server, String systemName) {
    system = ActorSystem.create(Behaviors.empty(), systemName);
    GrpcClientSettings settings = GrpcClientSettings
        .connectToServiceAt("127.0.0.1", server.grpcPort(), system).withTls(false);
    federation = FederationStateServiceClient.create(settings, system);
    catalog = CatalogServiceClient.create(settings, system);
    operator = OperatorServiceClient.create(settings, system);
  }

  @Override
  public void close() throws Exception {
    try {
      federation.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      catalog.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      operator.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
