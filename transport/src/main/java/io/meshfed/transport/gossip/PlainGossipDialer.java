package io.meshfed.transport.gossip;

import io.meshfed.protocol.names.Names;
import io.meshfed.protocol.names.Names.WanMemberName;
import io.meshfed.transport.rpc.TcpDial;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Dials a member of the local DC without TLS and selects the protocol with its type byte.
 * Only for dev mode and tests: the server port accepts plaintext only where TLS is not configured,
 * and a member of another DC is refused, never dialed in plaintext.
 */
public final class PlainGossipDialer implements GossipDialer {
  private final String localDatacenter;
  private final Duration connectTimeout;

  public PlainGossipDialer(String localDatacenter, Duration connectTimeout) {
    this.localDatacenter = Objects.requireNonNull(localDatacenter, "localDatacenter");
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
  }

  @Override
  public CompletionStage<Channel> dial(String member, InetSocketAddress address, GossipProtocol protocol,
      EventLoopGroup group, Consumer<ChannelPipeline> installer) {
    // the join placeholder *.<dc> ("any server of dc") names a DC too, and is refused the same way
    String datacenter = member.startsWith(TlsGossipDialer.ANY_SERVER_PREFIX)
        ? member.substring(TlsGossipDialer.ANY_SERVER_PREFIX.length())
        : Names.parseWanMemberName(member).map(WanMemberName::datacenter).orElse(null);
    if (datacenter == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("member name does not encode a datacenter: " + member));
    }
    if (!datacenter.equals(localDatacenter)) {
      return CompletableFuture.failedFuture(new IOException("gossip with " + member + " in datacenter "
          + datacenter + " needs TLS: plaintext is only for members of " + localDatacenter));
    }
    CompletableFuture<Channel> result = new CompletableFuture<>();
    TcpDial.open(group, address, connectTimeout, installer).addListener((ChannelFuture connected) -> {
      if (!connected.isSuccess()) {
        result.completeExceptionally(new IOException("cannot connect to " + address.getHostString() + ":"
            + address.getPort() + " for " + member + ": " + connected.cause().getMessage(), connected.cause()));
        return;
      }
      // Queued before the caller can write a frame: the type byte always goes first.
      connected.channel()
          .writeAndFlush(Unpooled.wrappedBuffer(new byte[] {protocol.typeByte()}))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      result.complete(connected.channel());
    });
    return result;
  }
}
