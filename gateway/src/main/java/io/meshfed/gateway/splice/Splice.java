package io.meshfed.gateway.splice;

import io.meshfed.gateway.metrics.Direction;
import io.meshfed.gateway.metrics.RouteStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import java.time.Duration;
import java.util.List;

/**
 * The two channels of one proxied connection, relaying both ways until both directions have ended.
 * Both channels run on one event loop, so this state needs no lock.
 *
 * <p>Half-close: when one side stops sending (FIN, seen as input shutdown thanks to
 * ALLOW_HALF_CLOSURE), the other side's output is shut down once what was already written has gone
 * out; the other direction keeps flowing. The second direction to end closes both channels instead
 * of shutting an output down (the FIN is the same). When either side closes or fails outright, both
 * channels are closed.
 */
final class Splice {
  private final Channel downstream;
  private final Channel upstream;
  private int endedDirections;

  private Splice(Channel downstream, Channel upstream) {
    this.downstream = downstream;
    this.upstream = upstream;
  }

  /**
   * Starts relaying between the client ({@code dialer}'s channel) and the connected upstream:
   * sends the bytes held while connecting, then lets both sides read.
   */
  static void start(ChannelHandlerContext dialer, Channel upstream, List<ByteBuf> held, boolean clientInputShutdown,
                    RouteStats stats, Duration idleTimeout) {
    Channel downstream = dialer.channel();
    Splice splice = new Splice(downstream, upstream);
    dialer.pipeline()
        .addAfter(dialer.name(), "idle", new IdleCloser(idleTimeout))
        .addAfter("idle", "relay", new Relay(splice, upstream, stats.bytes(Direction.DOWNSTREAM_TO_UPSTREAM)));
    upstream.pipeline().addLast("relay", new Relay(splice, downstream, stats.bytes(Direction.UPSTREAM_TO_DOWNSTREAM)));
    for (ByteBuf bytes : held) {
      stats.bytes(Direction.DOWNSTREAM_TO_UPSTREAM).add(bytes.readableBytes());
      upstream.write(bytes, upstream.voidPromise());
    }
    upstream.flush();
    resumeReading(upstream);
    if (clientInputShutdown) {
      splice.inputEnded(downstream);
    } else {
      resumeReading(downstream);
    }
  }

  /** Turns reading back on, unless the input has ended and there is nothing left to read. */
  static void resumeReading(Channel channel) {
    if (!((DuplexChannel) channel).isInputShutdown()) {
      channel.config().setAutoRead(true);
    }
  }

  /** {@code from} will send nothing more: end the same direction on the other side. */
  void inputEnded(Channel from) {
    Channel to = peer(from);
    // shutdownOutput() fails writes still queued, so it waits until everything written has gone out.
    to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
      if (!written.isSuccess()) {
        closeBoth();
        return;
      }
      if (endedDirections == 1) {
        // The other direction has ended and its output is shut, so both inputs are at EOF: closing
        // sends the same FIN after the queued bytes, without the half-close Netty pays for with an
        // exception and its stack trace (ChannelOutputShutdownException) on every shutdownOutput().
        endedDirections = 2;
        closeBoth();
        return;
      }
      ((DuplexChannel) to).shutdownOutput().addListener(shut -> {
        if (!shut.isSuccess() || ++endedDirections == 2) {
          closeBoth();
        }
      });
    });
  }

  /** {@code which} is gone: deliver what is queued for the other side, then close it. */
  void closed(Channel which) {
    peer(which).writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  void closeBoth() {
    downstream.close();
    upstream.close();
  }

  private Channel peer(Channel channel) {
    return channel == downstream ? upstream : downstream;
  }
}
