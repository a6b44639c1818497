package io.meshfed.transport.dial;

import io.meshfed.transport.logging.Causes;
import io.meshfed.transport.rpc.TcpDial;
import io.meshfed.transport.tls.TlsContexts;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One TLS dial to a server (directly or through a mesh gateway): TCP to {@code address}, SNI
 * {@code sni}, the certificate verified against it, and the connection handed over only once the
 * handshake has negotiated {@code alpnId} (RFC 7301), so every failure carries its reason.
 */
public final class TlsDial {
  private TlsDial() {}

  /**
   * @param context a client context offering {@code alpnId} (TlsContexts.client)
   * @param installer adds the protocol's handlers after the TLS handler
   */
  public static CompletionStage<Channel> open(EventLoopGroup group, InetSocketAddress address, SslContext context,
      String sni, String alpnId, Duration connectTimeout, Consumer<ChannelPipeline> installer) {
    String via = address.getHostString() + ":" + address.getPort();
    CompletableFuture<Channel> result = new CompletableFuture<>();
    // Kept from here, not looked up later: a connection closed at once has its handlers removed before
    // the connect's listener runs, and the handler's failed handshake is what says why.
    AtomicReference<SslHandler> ssl = new AtomicReference<>();
    TcpDial.open(group, address, connectTimeout, pipeline -> {
          ssl.set(TlsContexts.clientHandler(context, pipeline.channel().alloc(), sni, address.getPort()));
          pipeline.addLast(ssl.get());
          installer.accept(pipeline);
        })
        .addListener((ChannelFuture connected) -> handOver(connected, ssl.get(), sni, via, alpnId, result));
    return result;
  }

  /** Completes {@code result} once the connection {@code connected} has negotiated {@code alpnId}, or failed. */
  static void handOver(ChannelFuture connected, SslHandler ssl, String sni, String via, String alpnId,
      CompletableFuture<Channel> result) {
    if (!connected.isSuccess()) {
      result.completeExceptionally(new IOException("cannot connect to " + via + " for " + sni + ": "
          + connected.cause().getMessage(), connected.cause()));
      return;
    }
    Channel ch = connected.channel();
    ssl.handshakeFuture().addListener(handshake -> {
      if (!handshake.isSuccess()) {
        ch.close();
        result.completeExceptionally(new IOException("TLS handshake with " + sni + " via " + via
            + " failed: " + reason(handshake.cause()), handshake.cause()));
      } else if (!alpnId.equals(ssl.applicationProtocol())) {
        // BoringSSL servers complete the handshake without a protocol rather than failing it.
        ch.close();
        result.completeExceptionally(new IOException(sni + " via " + via + " did not agree on "
            + alpnId + " (ALPN: " + ssl.applicationProtocol() + ")"));
      } else {
        result.complete(ch);
      }
    });
  }

  /**
   * The failure in words: Netty's closed-channel error has no message of its own, and BoringSSL's
   * ("General OpenSslEngine problem") leaves what the trust manager refused to its causes.
   */
  private static String reason(Throwable cause) {
    if (cause instanceof ClosedChannelException) {
      return "the connection closed before the handshake completed (a mesh gateway closes a connection"
          + " whose name it cannot route)";
    }
    return Causes.describe(cause);
  }
}
