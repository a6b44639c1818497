package io.meshfed.transport.gossip;

import io.meshfed.transport.port.ConnectionInfo;
import io.meshfed.transport.port.ProtocolHandler;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;
import java.util.Objects;

/**
 * The answering side of {@code meshfed/wan-gossip/stream} on the server port: reads one request frame,
 * writes the handler's response as one frame and closes. The whole exchange, from hand-over to the
 * response written, must fit in the deadline, else the connection is closed without an answer.
 * Register with {@code applicationProtocol(ALPN_WAN_GOSSIP_STREAM, receiver)} or
 * {@code plaintextProtocol(TYPE_WAN_GOSSIP_STREAM, receiver)}.
 */
public final class GossipStreamReceiver implements ProtocolHandler {
  /** The 10 s Consul's wanfed allows a stream dial, here for the whole exchange. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  private final GossipStreamHandler handler;
  private final Duration deadline;
  private final GossipCounters counters = new GossipCounters();
  private final GossipProblems problems = new GossipProblems(counters);

  public GossipStreamReceiver(GossipStreamHandler handler) {
    this(handler, DEFAULT_DEADLINE);
  }

  public GossipStreamReceiver(GossipStreamHandler handler, Duration deadline) {
    this.handler = Objects.requireNonNull(handler, "handler");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive: " + deadline);
    }
    this.deadline = deadline;
  }

  @Override
  public void install(ChannelPipeline pipeline, ConnectionInfo info) {
    counters.track(pipeline.channel());
    pipeline.addLast("gossip-deadline", new GossipExchangeDeadline(deadline, counters));
    pipeline.addLast("gossip-frame-decoder", new GossipFrameDecoder());
    pipeline.addLast("gossip-frame-encoder", GossipFrameEncoder.INSTANCE);
    pipeline.addLast("gossip-stream-responder", new GossipStreamResponder(handler, info, counters, problems));
    pipeline.addLast("gossip-errors", new GossipConnectionErrors(GossipConnectionErrors.describe(info), problems));
  }

  public GossipCounters counters() {
    return counters;
  }
}
