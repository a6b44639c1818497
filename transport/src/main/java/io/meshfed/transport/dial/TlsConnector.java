package io.meshfed.transport.dial;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.rpc.Connector;
import io.meshfed.transport.rpc.PoolKey;
import io.meshfed.transport.rpc.TcpDial;
import io.meshfed.transport.tls.TlsContexts;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Dials for internal RPC over native TLS (DESIGN §6): the TCP connection goes to the key's address
 * (a mesh gateway for another DC), the TLS SNI names the server that must answer, and that server's
 * certificate is verified against the name. The connection is handed over only once the handshake
 * has negotiated {@code meshfed/rpc} (RFC 7301), so every failure carries its reason.
 */
public final class TlsConnector implements Connector {
  private final SslContext context;
  private final Function<PoolKey, String> serverName;
  private final Duration connectTimeout;

  /**
   * @param context a client context offering {@code meshfed/rpc} (TlsContexts.client)
   * @param serverName the SNI name for a key, e.g. {@code server.<dc>.<domain>}
   */
  public TlsConnector(SslContext context, Function<PoolKey, String> serverName, Duration connectTimeout) {
    this.context = context;
    this.serverName = serverName;
    this.connectTimeout = connectTimeout;
  }

  @Override
  public CompletionStage<Channel> connect(PoolKey key, EventLoopGroup group, Consumer<ChannelPipeline> rpcInstaller) {
    String sni = serverName.apply(key);
    String via = key.address().getHostString() + ":" + key.address().getPort();
    CompletableFuture<Channel> result = new CompletableFuture<>();
    TcpDial.open(group, key.address(), connectTimeout, pipeline -> {
          pipeline.addLast(TlsContexts.clientHandler(context, pipeline.channel().alloc(), sni, key.address().getPort()));
          rpcInstaller.accept(pipeline);
        })
        .addListener((ChannelFuture connected) -> {
          if (!connected.isSuccess()) {
            result.completeExceptionally(new IOException("cannot connect to " + via + " for " + sni + ": "
                + connected.cause().getMessage(), connected.cause()));
            return;
          }
          Channel ch = connected.channel();
          SslHandler ssl = ch.pipeline().get(SslHandler.class);
          ssl.handshakeFuture().addListener(handshake -> {
            if (!handshake.isSuccess()) {
              ch.close();
              result.completeExceptionally(new IOException("TLS handshake with " + sni + " via " + via + " failed: "
                  + handshake.cause().getMessage(), handshake.cause()));
            } else if (!WireConstants.ALPN_RPC.equals(ssl.applicationProtocol())) {
              ch.close();
              result.completeExceptionally(new IOException(sni + " via " + via + " did not agree on "
                  + WireConstants.ALPN_RPC + " (ALPN: " + ssl.applicationProtocol() + ")"));
            } else {
              result.complete(ch);
            }
          });
        });
    return result;
  }
}
