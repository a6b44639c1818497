package io.meshfed.transport.rpc;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Opens the connection behind a pool key. The RPC client does not know how a peer is reached (same DC
 * directly, another DC through a mesh gateway with TLS and SNI); the connector does.
 */
@FunctionalInterface
public interface Connector {
  /**
   * Dials {@code key} on a channel of {@code group}, applies {@code rpcInstaller} to its pipeline after
   * its own handlers (TLS, ...) and completes with the channel once it is active and ready to carry
   * RPC frames, i.e. after any handshake and protocol selection byte.
   */
  CompletionStage<Channel> connect(PoolKey key, EventLoopGroup group, Consumer<ChannelPipeline> rpcInstaller);
}
