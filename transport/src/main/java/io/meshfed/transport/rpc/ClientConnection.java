package io.meshfed.transport.rpc;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client side of one pooled connection: assigns stream ids, routes answers to their calls and fails
 * every pending call when the connection is lost. The call table is touched only on the channel's
 * event loop; callers reach it through {@link #send} and {@link #cancel}, which hop onto it.
 *
 * <p>A connection is retired at its maximum age or when its stream ids run out: it leaves the pool,
 * takes no new call and closes once the calls in flight on it have ended, so retiring never fails a
 * call.
 */
final class ClientConnection extends SimpleChannelInboundHandler<Frame> {
  private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
  /** Stream ids are positive ints; after the last one the connection takes no new calls. */
  private static final int LAST_STREAM_ID = Integer.MAX_VALUE;

  private final PoolKey key;
  private final int maxFrameBytes;
  private final Runnable onUnusable;
  private final Map<Integer, ClientCall> calls = new HashMap<>();
  private ChannelHandlerContext ctx;
  private int nextStreamId = 1;
  private boolean retired;
  private ScheduledFuture<?> ageTimer;
  private String closeReason;

  /** @param onUnusable run once the connection must not take new calls (closed or retired) */
  ClientConnection(PoolKey key, int maxFrameBytes, Runnable onUnusable) {
    this.key = key;
    this.maxFrameBytes = maxFrameBytes;
    this.onUnusable = onUnusable;
  }

  int callsInFlight() {
    return calls.size();
  }

  /**
   * Writes the call's REQUEST. If the connection can no longer take calls the REQUEST was not sent:
   * {@code whenRetired} runs when it was retired (it has left the pool, so the pool's next connection
   * takes the call), {@code whenClosed} when it is gone.
   */
  void send(ClientCall call, Runnable whenRetired, Runnable whenClosed) {
    boolean queued = runOnEventLoop(() -> {
      if (call.isEnded()) {
        return;
      }
      if (!ctx.channel().isActive()) {
        whenClosed.run();
        return;
      }
      if (retired) {
        whenRetired.run();
        return;
      }
      // Rounded up: the server's timer must not fire before ours, or the caller would see a deadline
      // error before its deadline.
      long remainingNanos = call.deadlineNanoTime - System.nanoTime();
      long remainingMillis = Math.max(1, (remainingNanos + 999_999L) / 1_000_000L);
      Frame.Request request = new Frame.Request(nextStreamId, call.method, call.streaming, remainingMillis, call.request);
      if (request.methodBytes().length > 0xFFFF || request.bodyLength() > maxFrameBytes) {
        call.fail(new RpcException(RpcCode.INVALID_ARGUMENT,
            "request to " + call.method + " of " + call.request.length + " bytes exceeds the maximum frame size of " + maxFrameBytes));
        return;
      }
      int id = nextStreamId;
      nextStreamId += 2;
      calls.put(id, call);
      if (id == LAST_STREAM_ID) {
        retire("out of stream ids");
      }
      ctx.writeAndFlush(request).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
      call.sent(this, id);
      // The caller may have cancelled, or the deadline passed, while we were writing.
      if (call.isEnded()) {
        cancel(call);
      }
    });
    if (!queued) {
      call.fail(new RpcException(RpcCode.UNAVAILABLE, "RPC client is closed"));
    }
  }

  /** Sends CANCEL for a call the caller no longer waits for, unless the server already ended it. */
  void cancel(ClientCall call) {
    runOnEventLoop(() -> {
      if (calls.remove(call.streamId(), call)) {
        ctx.writeAndFlush(new Frame.Cancel(call.streamId())).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        closeIfRetiredAndDone();
      }
    });
  }

  /** Retires the connection once it is {@code ageNanos} old, counted from now. */
  void retireAfter(long ageNanos) {
    runOnEventLoop(() -> {
      if (ctx.channel().isActive()) {
        ageTimer = ctx.executor().schedule(() -> retire("maximum age reached"), ageNanos, TimeUnit.NANOSECONDS);
      }
    });
  }

  private void retire(String why) {
    if (retired || !ctx.channel().isActive()) {
      return;
    }
    retired = true;
    onUnusable.run();
    LOG.debug("retiring RPC connection to {} ({}), {} calls in flight", key.describe(), why, calls.size());
    closeIfRetiredAndDone();
  }

  private void closeIfRetiredAndDone() {
    if (retired && calls.isEmpty()) {
      if (closeReason == null) {
        closeReason = "retired";
      }
      // After what is written has gone out: a CANCEL just written still reaches the server.
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Closes the connection; its pending calls fail with this reason. */
  void close(String reason) {
    runOnEventLoop(() -> {
      if (closeReason == null) {
        closeReason = reason;
      }
      ctx.close();
    });
  }

  /** False once the client shut its event loops down; the channel is closed by then. */
  private boolean runOnEventLoop(Runnable task) {
    try {
      ctx.executor().execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
    if (frame instanceof Frame.Response response) {
      ClientCall call = calls.remove(response.streamId());
      if (call != null) {
        call.onResponse(response.payload());
        closeIfRetiredAndDone();
      }
    } else if (frame instanceof Frame.StreamItem item) {
      ClientCall call = calls.get(item.streamId());
      if (call != null) {
        call.onItem(item.payload());
      }
    } else if (frame instanceof Frame.StreamEnd end) {
      ClientCall call = calls.remove(end.streamId());
      if (call != null) {
        call.onEnd();
        closeIfRetiredAndDone();
      }
    } else if (frame instanceof Frame.Error error) {
      ClientCall call = calls.remove(error.streamId());
      if (call != null) {
        call.fail(new RpcException(error.code(), error.message()));
        closeIfRetiredAndDone();
      }
    } else {
      closeReason = "protocol error: unexpected " + frame.getClass().getSimpleName() + " frame from the server";
      ctx.close();
    }
  }

  /**
   * Only at debug level: the reason reaches every pending caller in its UNAVAILABLE error, and the
   * caller decides whether it is worth a log line.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("RPC connection to {} failed", key.describe(), cause);
    if (closeReason == null) {
      closeReason = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (ageTimer != null) {
      ageTimer.cancel(false);
    }
    onUnusable.run();
    RpcException lost = new RpcException(RpcCode.UNAVAILABLE,
        "connection to " + key.describe() + " lost: " + (closeReason != null ? closeReason : "closed by the server"));
    for (ClientCall call : new ArrayList<>(calls.values())) {
      call.fail(lost);
    }
    calls.clear();
    ctx.fireChannelInactive();
  }
}
