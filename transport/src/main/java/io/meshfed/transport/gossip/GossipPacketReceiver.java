package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;
import io.meshfed.transport.port.ProtocolHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The receiving side of {@code meshfed/wan-gossip/packet} on the server port: reads frames for as
 * long as the connection lives and hands each payload to the listener. An empty or undecodable
 * packet is dropped and counted; a length above 4 MiB closes the connection. Both are logged within
 * limits (a peer can send any number). A connection that carried no frame for the idle timeout is closed,
 * as the sender's pool does. Register the same instance for TLS and plaintext:
 * {@code applicationProtocol(ALPN_WAN_GOSSIP_PACKET, receiver)} or
 * {@code plaintextProtocol(TYPE_WAN_GOSSIP_PACKET, receiver)}.
 *
 * <p>The listener runs on the server port's event loop and must not block.
 */
public final class GossipPacketReceiver implements ProtocolHandler {
  private final GossipPacketListener listener;
  private final Duration idleTimeout;
  private final GossipCounters counters = new GossipCounters();
  private final GossipProblems problems = new GossipProblems(counters);

  public GossipPacketReceiver(GossipPacketListener listener) {
    this(listener, GossipPackets.DEFAULT_IDLE_TIMEOUT);
  }

  public GossipPacketReceiver(GossipPacketListener listener, Duration idleTimeout) {
    this.listener = Objects.requireNonNull(listener, "listener");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
    }
    this.idleTimeout = idleTimeout;
  }

  @Override
  public void install(ChannelPipeline pipeline, ConnectionInfo info) {
    counters.track(pipeline.channel());
    pipeline.addLast("gossip-idle-state",
        new IdleStateHandler(idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    pipeline.addLast("gossip-idle-closer", new GossipIdleCloser(counters));
    pipeline.addLast("gossip-frame-decoder", new GossipFrameDecoder());
    pipeline.addLast("gossip-packet-delivery", new GossipPacketDelivery(listener, info, counters, problems));
    pipeline.addLast("gossip-errors", new GossipConnectionErrors(GossipConnectionErrors.describe(info), problems));
  }

  public GossipCounters counters() {
    return counters;
  }
}
