package io.meshfed.transport.gossip;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Opens a gossip connection to a WAN member. The transport does not know how a member is reached
 * (its own server port in the same DC, a mesh gateway for another DC, TLS or not); the dialer does.
 */
@FunctionalInterface
public interface GossipDialer {
  /**
   * Connects to {@code address} on a channel of {@code group} for {@code member} ({@code <node>.<dc>}),
   * applies {@code installer} to the pipeline after the dialer's own handlers, and completes once the
   * channel is ready to carry {@code protocol} frames: after any TLS handshake and protocol selection.
   */
  CompletionStage<Channel> dial(String member, InetSocketAddress address, GossipProtocol protocol,
      EventLoopGroup group, Consumer<ChannelPipeline> installer);
}
