package io.meshfed.server.api.grpc;

import io.meshfed.server.api.BlockingReads;
import io.meshfed.server.endpoint.AclEndpoint;
import io.meshfed.server.endpoint.CatalogEndpoint;
import io.meshfed.server.endpoint.FederationStateEndpoint;
import io.meshfed.server.endpoint.OperatorEndpoint;
import io.meshfed.protocol.v1.AclService;
import io.meshfed.protocol.v1.AclServicePowerApiHandlerFactory;
import io.meshfed.protocol.v1.CatalogService;
import io.meshfed.protocol.v1.CatalogServicePowerApiHandlerFactory;
import io.meshfed.protocol.v1.FederationStateService;
import io.meshfed.protocol.v1.FederationStateServicePowerApiHandlerFactory;
import io.meshfed.protocol.v1.OperatorService;
import io.meshfed.protocol.v1.OperatorServicePowerApiHandlerFactory;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;

/** The four services of the gRPC API as one handler, failing calls answered by {@link GrpcErrors}. */
public final class GrpcServices {
  private GrpcServices() {}

  @SuppressWarnings("unchecked")
  public static Function<HttpRequest, CompletionStage<HttpResponse>> handler(FederationStateEndpoint federation,
      CatalogEndpoint catalog, OperatorEndpoint operator, AclEndpoint acl, BlockingReads reads, ActorSystem<?> system) {
    Materializer materializer = Materializer.matFromSystem(system);
    return ServiceHandler.concatOrNotFound(
        FederationStateServicePowerApiHandlerFactory.partial(new FederationStateGrpc(federation, reads),
            FederationStateService.name, materializer, GrpcErrors.mapper(), system),
        CatalogServicePowerApiHandlerFactory.partial(new CatalogGrpc(catalog, reads), CatalogService.name, materializer,
            GrpcErrors.mapper(), system),
        OperatorServicePowerApiHandlerFactory.partial(new OperatorGrpc(operator), OperatorService.name,
            materializer, GrpcErrors.mapper(), system),
        AclServicePowerApiHandlerFactory.partial(new AclGrpc(acl), AclService.name, materializer, GrpcErrors.mapper(),
            system));
  }
}
