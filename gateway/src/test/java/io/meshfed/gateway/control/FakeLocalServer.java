package io.meshfed.gateway.control;

import com.typesafe.config.ConfigFactory;
import io.grpc.Status;
import io.meshfed.protocol.v1.CatalogService;
import io.meshfed.protocol.v1.CatalogServiceHandlerFactory;
import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.FederationStateService;
import io.meshfed.protocol.v1.FederationStateServiceHandlerFactory;
import io.meshfed.protocol.v1.ListMeshGatewaysResponse;
import io.meshfed.protocol.v1.ListServicesResponse;
import io.meshfed.protocol.v1.Node;
import io.meshfed.protocol.v1.NodeService;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The local server's gRPC API as the gateway watches it: a real HTTP/2 server whose
 * {@code WatchServices} streams the test scripts, one script per call, and whose
 * {@code WatchMeshGateways} answers once and stays open. Records when each WatchServices call came.
 */
final class FakeLocalServer implements AutoCloseable {
  /** What the next WatchServices call streams; without a script it answers and stays open. */
  private final Queue<Supplier<Source<ListServicesResponse, NotUsed>>> scripts = new ConcurrentLinkedQueue<>();
  final List<Long> serverWatchCalls = new CopyOnWriteArrayList<>();
  final ActorSystem<Void> system;
  private final ServerBinding binding;

  FakeLocalServer() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "fake-local-server", ConfigFactory.parseString(
        "pekko.http.server.enable-http2 = on\npekko.http.server.preview.enable-http2 = on\npekko.loglevel = ERROR")
        .withFallback(ConfigFactory.load()));
    binding = Http.get(system).newServerAt("127.0.0.1", 0)
        .bind(ServiceHandler.concatOrNotFound(
            CatalogServiceHandlerFactory.create(catalog(), system),
            FederationStateServiceHandlerFactory.create(federation(), system)))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  int port() {
    return binding.localAddress().getPort();
  }

  void then(Supplier<Source<ListServicesResponse, NotUsed>> script) {
    scripts.add(script);
  }

  /** The {@code meshfed} service with one healthy server, {@code node} at {@code address}. */
  static ListServicesResponse servers(String node, InetSocketAddress address) {
    return ListServicesResponse.newBuilder().addNodes(CheckServiceNode.newBuilder()
        .setNode(Node.newBuilder().setNode(node).setAddress(address.getHostString()))
        .setService(NodeService.newBuilder().setService("meshfed").setAddress(address.getHostString())
            .setPort(address.getPort())))
        .build();
  }

  static Source<ListServicesResponse, NotUsed> answerAndStayOpen(ListServicesResponse response) {
    return Source.single(response).concat(Source.<ListServicesResponse>maybe().mapMaterializedValue(m -> NotUsed.getInstance()));
  }

  /**
   * Answers, then fails once {@code when} completes: the test waits until the gateway has the
   * answer, since a failure right behind an answer can overtake it on the client's side.
   */
  static Source<ListServicesResponse, NotUsed> answerThenFail(ListServicesResponse response, CompletionStage<?> when,
      Status status) {
    return Source.single(response).concat(after(when)
        .flatMapConcat(go -> Source.<ListServicesResponse>failed(new GrpcServiceException(status))));
  }

  /** Answers, then ends the stream once {@code when} completes. */
  static Source<ListServicesResponse, NotUsed> answerThenEnd(ListServicesResponse response, CompletionStage<?> when) {
    return Source.single(response).concat(after(when).flatMapConcat(go -> Source.empty()));
  }

  /** One element once {@code when} completes (a stage completed with null would end the source at once). */
  private static Source<Boolean, NotUsed> after(CompletionStage<?> when) {
    return Source.completionStage(when.thenApply(done -> Boolean.TRUE));
  }

  static Source<ListServicesResponse, NotUsed> failAtOnce(Status status) {
    return Source.failed(new GrpcServiceException(status));
  }

  private CatalogService catalog() {
    return proxy(CatalogService.class, "watchServices", () -> {
      serverWatchCalls.add(System.nanoTime());
      Supplier<Source<ListServicesResponse, NotUsed>> script = scripts.poll();
      return script != null ? script.get()
          : answerAndStayOpen(servers("n1", new InetSocketAddress("127.0.0.1", 8300)));
    });
  }

  private FederationStateService federation() {
    return proxy(FederationStateService.class, "watchMeshGateways",
        () -> Source.single(ListMeshGatewaysResponse.getDefaultInstance())
            .concat(Source.<ListMeshGatewaysResponse>maybe().mapMaterializedValue(m -> NotUsed.getInstance())));
  }

  /** A service of which only {@code method} answers; the gateway calls nothing else. */
  private static <S> S proxy(Class<S> service, String method, Supplier<Object> answer) {
    return service.cast(Proxy.newProxyInstance(service.getClassLoader(), new Class<?>[] {service},
        (self, called, args) -> switch (called.getName()) {
          case "hashCode" -> System.identityHashCode(self);
          case "equals" -> self == args[0];
          case "toString" -> "fake " + service.getSimpleName();
          default -> {
            if (!called.getName().equals(method)) {
              throw new UnsupportedOperationException(called.getName());
            }
            yield answer.get();
          }
        }));
  }

  @Override
  public void close() throws Exception {
    binding.terminate(java.time.Duration.ofSeconds(1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
