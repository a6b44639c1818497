package io.meshfed.actors.locator;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Checks that a mesh gateway really carries a dial (beyond Consul, which never probes): the
 * gateway locator skips a gateway whose last probe failed. Pluggable so that tests can decide
 * outcomes; the real one is {@link TlsGatewayProbe}.
 *
 * <p>Contract: the stage completes normally when {@code gateway} passed the probe for the server
 * name {@code sni}, exceptionally with the reason otherwise. Cancelling the stage (its
 * {@code toCompletableFuture()}) must abandon the probe and release its connection: that is how the
 * locator stops in-flight probes when it stops.
 */
public interface GatewayProbe extends AutoCloseable {
  CompletionStage<Void> probe(InetSocketAddress gateway, String sni);

  /** Releases what the probe owns (threads); the locator calls it when it stops. */
  @Override
  default void close() {}

  /** As {@link #close}, for callers that must not block: completes once what it owned has ended. */
  default CompletionStage<Void> closeAsync() {
    close();
    return CompletableFuture.completedFuture(null);
  }
}
