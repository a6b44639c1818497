package io.meshfed.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * New TLS connections per second: W workers, each in a loop of connect, full TLS 1.3 handshake
 * (no resumption, see {@link BenchTls}), one byte echoed, close. Connections that finish inside
 * the measured window count; errors count from the start of the warm-up on.
 */
final class ConnRateTest {
  /** What one connection may take once the handshake is done: one byte there and back. */
  private static final long ECHO_TIMEOUT_MILLIS = 5_000;
  private static final byte PROBE = 'x';

  record Figures(double connectionsPerSecond, long connections, long errors, String firstError) {}

  private final Dialer dialer;
  private final long measureFrom;
  private final long end;
  private final LongAdder completed = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private volatile String firstError;
  private final CountDownLatch stopped;

  private ConnRateTest(Dialer dialer, int workers, long measureFrom, long end) {
    this.dialer = dialer;
    this.measureFrom = measureFrom;
    this.end = end;
    this.stopped = new CountDownLatch(workers);
  }

  static Figures run(Dialer dialer, int workers, Duration warmup, Duration duration) throws InterruptedException {
    long start = System.nanoTime();
    ConnRateTest test = new ConnRateTest(dialer, workers, start + warmup.toNanos(),
        start + warmup.toNanos() + duration.toNanos());
    for (int i = 0; i < workers; i++) {
      test.next();
    }
    // A connection started just before the end may still take its timeouts to give up.
    long grace = Dialer.CONNECT_TIMEOUT_MILLIS + Dialer.HANDSHAKE_TIMEOUT_MILLIS + ECHO_TIMEOUT_MILLIS;
    if (!test.stopped.await(warmup.plus(duration).toMillis() + grace, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("connection-rate workers did not stop");
    }
    long count = test.completed.sum();
    return new Figures(count / ThroughputTest.seconds(duration.toNanos()), count, test.errors.sum(), test.firstError);
  }

  /** One worker's next connection, or its stop once the window has passed. */
  private void next() {
    if (System.nanoTime() >= end) {
      stopped.countDown();
      return;
    }
    Promise<Void> echoed = dialer.group().next().newPromise();
    Future<Channel> ready = dialer.connect(new OneByteEcho(echoed));
    ready.addListener(f -> {
      if (!ready.isSuccess()) {
        finish(ready.cause());
        return;
      }
      Channel channel = ready.getNow();
      channel.writeAndFlush(channel.alloc().buffer(2).writeByte(Wire.ECHO).writeByte(PROBE));
      ScheduledFuture<?> timeout = channel.eventLoop().schedule(() -> echoed.tryFailure(
          new IOException("no echo within " + ECHO_TIMEOUT_MILLIS + " ms")), ECHO_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      echoed.addListener(e -> {
        timeout.cancel(false);
        channel.close().addListener(closed -> finish(e.cause()));
      });
    });
  }

  private void finish(Throwable failure) {
    long now = System.nanoTime();
    if (failure != null) {
      errors.increment();
      if (firstError == null) {
        firstError = failure.toString();
      }
    } else if (now >= measureFrom && now < end) {
      completed.increment();
    }
    // Through the event loop, never recursively: a target that refuses at once must not blow the stack.
    dialer.group().execute(this::next);
  }

  /** Completes when the one byte sent after the handshake comes back. */
  private static final class OneByteEcho extends ChannelInboundHandlerAdapter {
    private final Promise<Void> echoed;

    OneByteEcho(Promise<Void> echoed) {
      this.echoed = echoed;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        if (in.readableBytes() == 1 && in.getByte(in.readerIndex()) == PROBE) {
          echoed.trySuccess(null);
        } else {
          echoed.tryFailure(new IOException("bad echo: " + in.readableBytes() + " bytes"));
        }
      } finally {
        in.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      echoed.tryFailure(new IOException("closed before the echo"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      echoed.tryFailure(cause);
    }
  }
}
