package io.meshfed.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Round-trip time of a small request on one held connection: a message is echoed, the next one
 * leaves when the echo is complete. The warm-up iterations are not recorded. Comparing the
 * percentiles of a target with those of {@code direct} gives the latency the hop adds.
 */
final class LatencyTest {
  private static final long MAX_TRACKED_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int SIGNIFICANT_DIGITS = 3;
  private static final long TIMEOUT_SECONDS = 300;

  private LatencyTest() {}

  /** Round-trip times in nanoseconds of {@code iterations} messages of {@code size} bytes. */
  static Histogram run(Dialer dialer, int size, int warmupIterations, int iterations) throws Exception {
    Histogram histogram = new Histogram(MAX_TRACKED_NANOS, SIGNIFICANT_DIGITS);
    Promise<Void> done = dialer.group().next().newPromise();
    PingPong pingPong = new PingPong(message(size), warmupIterations, iterations, histogram, done);
    Channel channel = dialer.connect(pingPong).sync().getNow();
    try {
      channel.eventLoop().execute(() -> pingPong.start(channel));
      if (!done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException("latency test did not finish within " + TIMEOUT_SECONDS + " s");
      }
      done.sync();
      return histogram;
    } finally {
      channel.close();
    }
  }

  private static ByteBuf message(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return Unpooled.unreleasableBuffer(Unpooled.directBuffer(size).writeBytes(bytes));
  }

  /** Runs on the connection's event loop only: no field needs to be shared. */
  private static final class PingPong extends ChannelInboundHandlerAdapter {
    private final ByteBuf message;
    private final int warmupIterations;
    private final int iterations;
    private final Histogram histogram;
    private final Promise<Void> done;
    private int sent;
    private int received;
    private long sentAt;

    PingPong(ByteBuf message, int warmupIterations, int iterations, Histogram histogram, Promise<Void> done) {
      this.message = message;
      this.warmupIterations = warmupIterations;
      this.iterations = iterations;
      this.histogram = histogram;
      this.done = done;
    }

    void start(Channel channel) {
      channel.write(channel.alloc().buffer(1).writeByte(Wire.ECHO));
      send(channel);
    }

    private void send(Channel channel) {
      received = 0;
      sentAt = System.nanoTime();
      channel.writeAndFlush(message.duplicate());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        int n = in.readableBytes();
        if (received + n > message.readableBytes()
            || !ByteBufUtil.equals(in, in.readerIndex(), message, received, n)) {
          done.tryFailure(new IOException("the echo differs from the message sent"));
          ctx.close();
          return;
        }
        received += n;
        if (received < message.readableBytes()) {
          return;
        }
        long rtt = System.nanoTime() - sentAt;
        if (sent >= warmupIterations) {
          histogram.recordValue(Math.min(rtt, MAX_TRACKED_NANOS));
        }
        sent++;
        if (sent < warmupIterations + iterations) {
          send(ctx.channel());
        } else {
          done.trySuccess(null);
        }
      } finally {
        in.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      done.tryFailure(new IOException("connection closed after " + sent + " messages"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      done.tryFailure(cause);
      ctx.close();
    }
  }
}
