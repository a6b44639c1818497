package io.meshfed.actors.locator;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Checks that a mesh gateway really carries a dial (beyond Consul, which never probes): the gateway
 * locator skips a gateway whose last probe failed. Pluggable so that tests can decide outcomes; the
 * real one is {@link TlsGatewayProbe}.
 *
 * <p>Contract: the stage completes normally when {@code gateway} passed the probe for the server
 * name {@code sni}, exceptionally with the reason otherwise. Cancelling the stage (its
 * {@code toCompletableFuture()}) must abandon the probe and release its connection: that is how the
 * locator stops in-flight probes when it stops.
 */
public interface GatewayProbe {
  CompletionStage<Void> probe(InetSocketAddress gateway, String sni);

  /**
   * Starts releasing what the probe owns (connections, threads) and returns at once: it is called
   * on an actor's thread, which must never wait. The stage completes once everything is released.
   * The locator calls it when it stops; calling it again changes nothing.
   */
  default CompletionStage<Void> close() {
    return CompletableFuture.completedFuture(null);
  }
}
