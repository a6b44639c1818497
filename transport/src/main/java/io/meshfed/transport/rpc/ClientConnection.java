package io.meshfed.transport.rpc;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client side of one pooled connection: assigns stream ids, routes answers to their calls and fails
 * every pending call when the connection is lost. The call table is touched only on the channel's
 * event loop; callers reach it through {@link #send} and {@link #cancel}, which hop onto it.
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
  private boolean exhausted;
  private String closeReason;

  /** @param onUnusable run once the connection must not take new calls (closed or out of stream ids) */
  ClientConnection(PoolKey key, int maxFrameBytes, Runnable onUnusable) {
    this.key = key;
    this.maxFrameBytes = maxFrameBytes;
    this.onUnusable = onUnusable;
  }

  int callsInFlight() {
    return calls.size();
  }

  /**
   * Writes the call's REQUEST. If the connection can no longer take calls the REQUEST was not sent,
   * so {@code elsewhere} runs to send it on another connection.
   */
  void send(ClientCall call, Runnable elsewhere) {
    boolean queued = runOnEventLoop(() -> {
      if (call.isEnded()) {
        return;
      }
      if (!ctx.channel().isActive() || exhausted) {
        elsewhere.run();
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
      if (id == LAST_STREAM_ID) {
        exhausted = true;
        onUnusable.run();
      } else {
        nextStreamId += 2;
      }
      calls.put(id, call);
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
      }
    });
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
      }
    } else if (frame instanceof Frame.Error error) {
      ClientCall call = calls.remove(error.streamId());
      if (call != null) {
        call.fail(new RpcException(error.code(), error.message()));
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
