package io.meshfed.transport.dial;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.rpc.Connector;
import io.meshfed.transport.rpc.PoolKey;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Dials for internal RPC over native TLS: the TCP connection goes to the key's address
 * (a mesh gateway for another DC), the TLS SNI names the server that must answer, and that server's
 * certificate is verified against the name. The connection is handed over only once the handshake
 * has negotiated {@code meshfed/rpc} (RFC 7301), so every failure carries its reason.
 */
public final class TlsConnector implements Connector {
  private final Supplier<SslContext> context;
  private final Function<PoolKey, String> serverName;
  private final Duration connectTimeout;

  /**
   * @param context a client context offering {@code meshfed/rpc} (TlsContexts.client), asked for on
   *     every dial, so a replaced one applies to the next connection
   * @param serverName the SNI name for a key, e.g. {@code server.<dc>.<domain>}
   */
  public TlsConnector(Supplier<SslContext> context, Function<PoolKey, String> serverName, Duration connectTimeout) {
    this.context = context;
    this.serverName = serverName;
    this.connectTimeout = connectTimeout;
  }

  @Override
  public CompletionStage<Channel> connect(PoolKey key, EventLoopGroup group, Consumer<ChannelPipeline> rpcInstaller) {
    return TlsDial.open(group, key.address(), context.get(), serverName.apply(key), WireConstants.ALPN_RPC, connectTimeout,
        rpcInstaller);
  }
}
