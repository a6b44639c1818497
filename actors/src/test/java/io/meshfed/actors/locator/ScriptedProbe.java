package io.meshfed.actors.locator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A probe whose outcomes the test decides: gateways ({@code host:port}) in {@link #failing} fail,
 * the others pass at once; with {@link #hang} set, probes never complete by themselves. It records
 * every call and every probe it handed out, so a test can see what the locator cancelled.
 */
final class ScriptedProbe implements GatewayProbe {
  final Set<String> failing = ConcurrentHashMap.newKeySet();
  final AtomicBoolean hang = new AtomicBoolean();
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<CompletableFuture<Void>> handedOut = new CopyOnWriteArrayList<>();
  final AtomicBoolean closed = new AtomicBoolean();
  /** What {@link #close} returns: a test may leave it pending, as a probe whose threads take their time. */
  volatile CompletableFuture<Void> closing = CompletableFuture.completedFuture(null);

  @Override
  public CompletionStage<Void> probe(InetSocketAddress gateway, String sni) {
    String text = gateway.getHostString() + ":" + gateway.getPort();
    calls.add(text + " " + sni);
    CompletableFuture<Void> result = new CompletableFuture<>();
    handedOut.add(result);
    if (!hang.get()) {
      if (failing.contains(text)) {
        result.completeExceptionally(new IOException("TLS handshake with " + sni + " via " + text + " failed"));
      } else {
        result.complete(null);
      }
    }
    return result;
  }

  long callsFor(String text) {
    return calls.stream().filter(c -> c.startsWith(text + " ")).count();
  }

  @Override
  public CompletionStage<Void> close() {
    closed.set(true);
    return closing;
  }
}
