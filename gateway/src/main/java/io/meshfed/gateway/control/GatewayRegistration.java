package io.meshfed.gateway.control;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.protocol.v1.CatalogServiceClient;
import io.meshfed.protocol.v1.CheckDefinition;
import io.meshfed.protocol.v1.CheckServiceNode;
import io.meshfed.protocol.v1.DeregisterRequest;
import io.meshfed.protocol.v1.HealthCheck;
import io.meshfed.protocol.v1.ListServicesRequest;
import io.meshfed.protocol.v1.Node;
import io.meshfed.protocol.v1.NodeService;
import io.meshfed.protocol.v1.RegisterRequest;
import io.meshfed.protocol.v1.ServiceAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.javadsl.SingleResponseRequestBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the gateway registered in its DC's catalog: kind
 * {@code mesh-gateway}, its LAN and WAN addresses, the opt-in meta with {@code --expose-servers},
 * and a TCP check on the LAN address that the DC's leader runs, so the check turns critical when
 * the gateway dies. Every {@link #RECHECK} it looks for its entry and registers again if it is
 * missing or different (a rebuilt DC, an operator's deregister, a new address); deregisters on close.
 */
public final class GatewayRegistration implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayRegistration.class);
  public static final String SERVICE_ID = "mesh-gateway";
  public static final String CHECK_ID = "mesh-gateway-listening";
  /** Probe every 5 s with a 2 s timeout: a dead gateway is critical within about 7 s (goal: 15 s). */
  static final String CHECK_INTERVAL = "5s";
  static final String CHECK_TIMEOUT = "2s";
  static final Duration RECHECK = Duration.ofSeconds(10);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  /** What to register. */
  public record Spec(String datacenter, String node, InetSocketAddress lan, InetSocketAddress wan,
      boolean exposeServers) {}

  private final CatalogServiceClient catalog;
  private final Supplier<String> token;
  private final RegisterRequest desired;
  private final Cancellable timer;
  private final AtomicBoolean failing = new AtomicBoolean();
  private final AtomicBoolean busy = new AtomicBoolean();

  /** @param token the ACL token in force, or empty: asked for every call */
  public GatewayRegistration(ActorSystem<?> system, CatalogServiceClient catalog, Supplier<String> token,
      Spec spec) {
    this.catalog = catalog;
    this.token = token;
    this.desired = request(spec);
    this.timer = system.scheduler().scheduleAtFixedRate(Duration.ZERO, RECHECK, this::ensure, system.executionContext());
  }

  static RegisterRequest request(Spec spec) {
    NodeService.Builder service = NodeService.newBuilder()
        .setId(SERVICE_ID).setService(SERVICE_ID).setKind(WireConstants.KIND_MESH_GATEWAY)
        .setAddress(spec.lan().getHostString()).setPort(spec.lan().getPort())
        .putTaggedAddresses("lan", address(spec.lan()))
        .putTaggedAddresses("wan", address(spec.wan()));
    if (spec.exposeServers()) {
      service.putMeta(WireConstants.META_WAN_FEDERATION, WireConstants.META_WAN_FEDERATION_ON);
    }
    HealthCheck check = HealthCheck.newBuilder()
        .setNode(spec.node()).setCheckId(CHECK_ID).setName("mesh gateway listening")
        .setServiceId(SERVICE_ID).setServiceName(SERVICE_ID).setStatus("critical")
        .setDefinition(CheckDefinition.newBuilder()
            .setTcp(spec.lan().getHostString() + ":" + spec.lan().getPort())
            .setInterval(CHECK_INTERVAL).setTimeout(CHECK_TIMEOUT))
        .build();
    return RegisterRequest.newBuilder()
        .setNode(Node.newBuilder().setNode(spec.node()).setAddress(spec.lan().getHostString())
            .setDatacenter(spec.datacenter()))
        .setService(service)
        .addChecks(check)
        .build();
  }

  private static ServiceAddress address(InetSocketAddress a) {
    return ServiceAddress.newBuilder().setAddress(a.getHostString()).setPort(a.getPort()).build();
  }

  /** One pass: register when the catalog's entry is missing or differs; skipped while one runs. */
  private void ensure() {
    if (!busy.compareAndSet(false, true)) {
      return;
    }
    withToken(catalog.listServices()).invoke(ListServicesRequest.newBuilder()
            .setKind(WireConstants.KIND_MESH_GATEWAY).build())
        .thenCompose(r -> registered(r.getNodesList()) ? CompletableFuture.completedFuture(false)
            : withToken(catalog.register()).invoke(desired).thenApply(w -> true))
        .whenComplete((wrote, err) -> {
          busy.set(false);
          if (err != null) {
            if (failing.compareAndSet(false, true)) {
              LOG.warn("cannot register this gateway ({}) in the catalog: {}; retrying every {} s",
                  desired.getNode().getNode(), err.getMessage(), RECHECK.toSeconds());
            }
            return;
          }
          failing.set(false);
          if (wrote) {
            LOG.info("registered this gateway in the catalog: node {}, LAN {}:{}, WAN {}:{}{}",
                desired.getNode().getNode(), desired.getService().getAddress(), desired.getService().getPort(),
                desired.getService().getTaggedAddressesMap().get("wan").getAddress(),
                desired.getService().getTaggedAddressesMap().get("wan").getPort(),
                desired.getService().getMetaMap().isEmpty() ? "" : ", exposing the DC's servers");
          }
        });
  }

  /** Ours is there when node, service and the check's definition are as registered (status aside). */
  private boolean registered(List<CheckServiceNode> entries) {
    for (CheckServiceNode e : entries) {
      if (e.getNode().getNode().equals(desired.getNode().getNode())
          && e.getNode().getAddress().equals(desired.getNode().getAddress())
          && e.getService().equals(desired.getService())) {
        return e.getChecksList().stream().anyMatch(c -> c.getCheckId().equals(CHECK_ID)
            && c.getDefinition().equals(desired.getChecks(0).getDefinition()));
      }
    }
    return false;
  }

  private <Q, R> SingleResponseRequestBuilder<Q, R> withToken(SingleResponseRequestBuilder<Q, R> builder) {
    String current = token.get();
    return current.isEmpty() ? builder : builder.addHeader(WireConstants.GRPC_TOKEN_KEY, current);
  }

  /** Stops re-registering and removes the gateway's node from the catalog (waits at most 10 s). */
  @Override
  public void close() {
    timer.cancel();
    CompletionStage<?> gone = withToken(catalog.deregister()).invoke(DeregisterRequest.newBuilder()
        .setNode(desired.getNode().getNode()).build());
    try {
      gone.toCompletableFuture().get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      LOG.info("deregistered this gateway ({}) from the catalog", desired.getNode().getNode());
    } catch (Exception e) {
      LOG.warn("cannot deregister this gateway ({}) from the catalog: {}; its check will turn critical",
          desired.getNode().getNode(), e.getMessage());
    }
  }
}
