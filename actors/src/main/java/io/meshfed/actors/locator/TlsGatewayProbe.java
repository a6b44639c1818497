package io.meshfed.actors.locator;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.dial.TlsDial;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
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

  private final SslContext context;
  private final Duration timeout;
  private final EventLoopGroup group;

  private TlsGatewayProbe(SslContext context, Duration timeout) {
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
    return new TlsGatewayProbe(TlsContexts.client(material, WireConstants.ALPN_RPC), timeout);
  }

  @Override
  public CompletionStage<Void> probe(InetSocketAddress gateway, String sni) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    if (group.isShuttingDown()) {
      return CompletableFuture.failedFuture(new IllegalStateException("the gateway probe is closed"));
    }
    AtomicReference<Channel> channel = new AtomicReference<>();
    ScheduledFuture<?> deadline = group.schedule(() -> result.completeExceptionally(new TimeoutException(
        "probe of " + gateway.getHostString() + ":" + gateway.getPort() + " for " + sni + " took longer than "
            + timeout.toMillis() + " ms")), timeout.toMillis(), TimeUnit.MILLISECONDS);
    // Whatever ends the probe (success, failure, timeout, cancellation) closes its connection.
    result.whenComplete((ok, err) -> {
      deadline.cancel(false);
      Channel ch = channel.get();
      if (ch != null) {
        ch.close();
      }
    });
    TlsDial.open(group, gateway, context, sni, WireConstants.ALPN_RPC, timeout,
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

  @Override
  public void close() {
    shutDown().awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Without waiting: the stage completes on the event loop's thread as it ends. */
  @Override
  public CompletionStage<Void> closeAsync() {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    shutDown().addListener(f -> ended.complete(null));
    return ended;
  }

  private io.netty.util.concurrent.Future<?> shutDown() {
    return group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
