package io.meshfed.actors.locator;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.dial.TlsDial;
import io.meshfed.transport.tls.TlsMaterial;
import io.meshfed.transport.tls.TlsSource;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * The real gateway probe: the same TLS dial a server makes through a gateway (TCP to the gateway,
 * SNI {@code sni}, the server certificate verified against that name, ALPN {@code meshfed/rpc}),
 * closed as soon as the handshake is done. It passes only when the gateway spliced the dial to a
 * server that proves it is {@code sni}, so a gateway that is up but routes nowhere (or to the wrong
 * place) fails too, which a TCP check would not notice.
 */
public final class TlsGatewayProbe implements GatewayProbe {
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  private final Supplier<SslContext> context;
  private final Duration timeout;
  private final EventLoopGroup group;
  /** Probes not finished yet: closing the probe ends them, which closes their connections. */
  private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();

  private TlsGatewayProbe(Supplier<SslContext> context, Duration timeout) {
    this.context = context;
    this.timeout = timeout;
    // One daemon thread: probes are a handful of handshakes every few seconds.
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("meshfed-gateway-probe", true),
        NioIoHandler.newFactory());
  }

  /**
   * @param material this server's TLS material: its certificate is presented (server ports require
   *     client certificates) and only its CA is trusted
   * @param timeout the whole probe (connect and handshake) must finish within it
   */
  public static TlsGatewayProbe create(TlsMaterial material, Duration timeout) throws SSLException {
    return create(TlsSource.of(material), timeout);
  }

  /** With the material in force at each probe, as the server's own dials use it. */
  public static TlsGatewayProbe create(TlsSource tls, Duration timeout) throws SSLException {
    return new TlsGatewayProbe(tls.client(WireConstants.ALPN_RPC), timeout);
  }

  @Override
  public CompletionStage<Void> probe(InetSocketAddress gateway, String sni) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    pending.add(result);
    // Checked after joining the pending ones, so a close() at the same time either sees this probe or is seen here.
    if (group.isShuttingDown()) {
      pending.remove(result);
      return CompletableFuture.failedFuture(new IllegalStateException("the gateway probe is closed"));
    }
    AtomicReference<Channel> channel = new AtomicReference<>();
    ScheduledFuture<?> deadline = group.schedule(() -> result.completeExceptionally(new TimeoutException(
        "probe of " + gateway.getHostString() + ":" + gateway.getPort() + " for " + sni + " took longer than "
            + timeout.toMillis() + " ms")), timeout.toMillis(), TimeUnit.MILLISECONDS);
    // Whatever ends the probe (success, failure, timeout, cancellation, close) closes its connection.
    result.whenComplete((ok, err) -> {
      pending.remove(result);
      deadline.cancel(false);
      Channel ch = channel.get();
      if (ch != null) {
        ch.close();
      }
    });
    TlsDial.open(group, gateway, context.get(), sni, WireConstants.ALPN_RPC, timeout,
            pipeline -> {
              channel.set(pipeline.channel());
              if (result.isDone()) {
                pipeline.channel().close();
              }
            })
        .whenComplete((ch, err) -> {
          if (err != null) {
            result.completeExceptionally(err);
          } else {
            channel.set(ch);
            result.complete(null);
            ch.close();
          }
        });
    return result;
  }

  /**
   * Ends every probe still under way (each closes its connection on the event loop), then shuts the
   * event loop down without waiting for it: it runs those closes and its thread ends on its own,
   * within {@code SHUTDOWN_TIMEOUT}; the stage completes then.
   */
  @Override
  public CompletionStage<Void> close() {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    IllegalStateException reason = new IllegalStateException("the gateway probe is closed");
    List.copyOf(pending).forEach(p -> p.completeExceptionally(reason));
    group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .addListener(f -> closed.complete(null));
    return closed;
  }
}
