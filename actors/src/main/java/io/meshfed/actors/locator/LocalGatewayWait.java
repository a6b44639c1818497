package io.meshfed.actors.locator;

import io.meshfed.actors.store.StoreClient;
import io.meshfed.persistence.store.DcStore;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.actors.store.QueryOptions;
import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.logging.RateLimitedLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/**
 * Waits, with blocking reads of the local catalog, until this DC has a mesh gateway other DCs can
 * use: opted in to WAN federation and not critical (the locator's own filter). A secondary
 * federated through mesh gateways joins the WAN only then: before, no other DC can reach it, so it
 * would only be suspected and, by whoever cannot reach it in time, declared failed. The catalog is
 * read rather than the DC's federation state, which a fresh secondary only gets back from the
 * primary after joining.
 */
public final class LocalGatewayWait {
  private static final Duration READ_WAIT = Duration.ofSeconds(30);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final RateLimitedLog BUGS = RateLimitedLog.warn(LoggerFactory.getLogger(LocalGatewayWait.class));

  private final StoreClient store;
  private final ActorSystem<?> system;
  private final CompletableFuture<Void> known = new CompletableFuture<>();

  private LocalGatewayWait(StoreClient store, ActorSystem<?> system) {
    this.store = store;
    this.system = system;
  }

  /**
   * Starts reading; the stage completes once such a gateway is registered. Cancelling it (at
   * shutdown) stops the reads: the last one parked is answered to a dead ask within its wait.
   */
  public static CompletableFuture<Void> start(StoreClient store, ActorSystem<?> system) {
    LocalGatewayWait wait = new LocalGatewayWait(store, system);
    wait.read(0);
    return wait.known;
  }

  private void read(long index) {
    if (known.isDone()) {
      return;
    }
    try {
      CompletionStage<DcStore.QueryResult<List<CheckServiceNode>>> answer = store.askBlocking(
          new QueryOptions("", index, READ_WAIT),
          reply -> new DcStore.ListServices("", WireConstants.KIND_MESH_GATEWAY, index, READ_WAIT, reply));
      answer.whenComplete((result, error) -> answered(index, result, error));
    } catch (RuntimeException e) {
      retryAfterBug(index, e);
    }
  }

  private void answered(long index, DcStore.QueryResult<List<CheckServiceNode>> result, Throwable error) {
    if (known.isDone()) {
      return;
    }
    try {
      if (error != null) {
        // the store is not reachable yet (this server is still joining its DC's cluster)
        retry(index);
      } else if (!GatewayTracker.retain(result.value()).isEmpty()) {
        known.complete(null);
      } else {
        read(result.index());
      }
    } catch (RuntimeException e) {
      retryAfterBug(index, e);
    }
  }

  // Nothing supervises this loop, and a secondary that stops waiting never joins the WAN: an
  // unexpected exception is logged and the read tried again, never left to end the loop silently.
  private void retryAfterBug(long index, RuntimeException e) {
    if (!known.isDone()) {
      BUGS.log("waiting for a local mesh gateway failed unexpectedly; reading the catalog again in {}", RETRY, e);
      retry(index);
    }
  }

  private void retry(long index) {
    system.scheduler().scheduleOnce(RETRY, () -> read(index), system.executionContext());
  }
}
