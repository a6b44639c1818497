package io.meshfed.transport.rpc;

import io.meshfed.protocol.errors.Failures;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of one connection: starts a handler per REQUEST and ends each call exactly once, by
 * the handler's answer, the caller's CANCEL, the deadline or the connection closing. All call state
 * is touched only on the channel's event loop; answers from other threads are moved onto it.
 */
final class ServerCallDispatcher extends SimpleChannelInboundHandler<Frame> {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCallDispatcher.class);

  private final Map<String, RpcServer.Method> methods;
  private final int maxFrameBytes;
  private final RpcProblems problems;
  private final Map<Integer, ServerCall> calls = new HashMap<>();
  private ChannelHandlerContext ctx;
  private int highestStreamId;

  ServerCallDispatcher(Map<String, RpcServer.Method> methods, int maxFrameBytes, RpcProblems problems) {
    this.methods = methods;
    this.maxFrameBytes = maxFrameBytes;
    this.problems = problems;
  }

  int callsInFlight() {
    return calls.size();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
    if (frame instanceof Frame.Request request) {
      start(request);
    } else if (frame instanceof Frame.Cancel cancel) {
      ServerCall call = calls.remove(cancel.streamId());
      if (call != null) {
        call.stopWork();
      }
    } else {
      closeForProtocolError("unexpected " + frame.getClass().getSimpleName() + " frame from a client");
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (ServerCall call : new ArrayList<>(calls.values())) {
      call.stopWork();
    }
    calls.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      LOG.debug("RPC connection {} failed: {}", ctx.channel(), cause.toString());
    } else if (cause instanceof DecoderException) {
      problems.protocolError(ctx.channel(), cause.getMessage());
    } else {
      problems.handlerFailed("closing RPC connection " + ctx.channel() + " after an unexpected error", cause);
    }
    ctx.close();
  }

  private void start(Frame.Request request) {
    int id = request.streamId();
    if (id <= highestStreamId || (id & 1) == 0) {
      closeForProtocolError("stream id " + id + " is not odd and above " + highestStreamId);
      return;
    }
    highestStreamId = id;
    RpcServer.Method method = methods.get(request.method());
    if (method == null) {
      write(new Frame.Error(id, RpcCode.NOT_FOUND, "unknown method " + request.method()));
      return;
    }
    if (method.streaming() != request.streaming()) {
      String kind = method.streaming() ? "server-streaming" : "unary";
      write(new Frame.Error(id, RpcCode.INVALID_ARGUMENT, "method " + request.method() + " is " + kind));
      return;
    }
    ServerCall call = new ServerCall(id, method.name(), request.deadlineMillis());
    calls.put(id, call);
    call.deadlineTimer = ctx.executor().schedule(() -> expire(call), request.deadlineMillis(), TimeUnit.MILLISECONDS);
    try {
      if (method.streaming()) {
        call.cancellable = method.stream().handle(request.payload(), new Sink(call));
      } else {
        startUnary(call, method.unary().handle(request.payload()));
      }
    } catch (RuntimeException e) {
      fail(call, e);
    }
  }

  private void startUnary(ServerCall call, CompletionStage<byte[]> stage) {
    if (stage == null) {
      fail(call, new IllegalStateException("handler returned no result"));
      return;
    }
    CompletableFuture<byte[]> future = stage.toCompletableFuture();
    call.cancellable = () -> future.cancel(true);
    future.whenComplete((response, error) -> runOnEventLoop(() -> {
      if (error != null) {
        fail(call, error);
      } else if (response == null) {
        fail(call, new IllegalStateException("handler completed with null"));
      } else {
        finish(call, new Frame.Response(call.id, response));
      }
    }));
  }

  private void expire(ServerCall call) {
    if (calls.remove(call.id, call)) {
      call.stopWork();
      write(new Frame.Error(call.id, RpcCode.DEADLINE_EXCEEDED,
          "deadline exceeded in " + call.method + " (" + call.deadlineMillis + " ms left when the server received it)"));
    }
  }

  private void fail(ServerCall call, Throwable error) {
    if (calls.get(call.id) == call) {
      RpcException rpc = toRpcException(call.method, error);
      finish(call, new Frame.Error(call.id, rpc.code(), rpc.getMessage()));
    }
  }

  /** Sends the call's last frame unless the call already ended. */
  private void finish(ServerCall call, Frame last) {
    if (!calls.remove(call.id, call)) {
      return;
    }
    call.stopped = true;
    call.deadlineTimer.cancel(false);
    if (last.bodyLength() > maxFrameBytes) {
      problems.handlerFailed(call.method + ": answer of " + last.bodyLength()
          + " bytes exceeds the maximum frame size of " + maxFrameBytes, null);
      last = new Frame.Error(call.id, RpcCode.INTERNAL, "answer of " + call.method + " exceeds the maximum frame size");
    }
    write(last);
  }

  /** Handler failures are logged here, once: the caller only learns the code and a short message. */
  private RpcException toRpcException(String method, Throwable error) {
    Throwable cause = Failures.unwrap(error);
    if (cause instanceof RpcException rpc) {
      return rpc;
    }
    if (cause instanceof CancellationException) {
      return new RpcException(RpcCode.CANCELLED, method + " was cancelled by the server");
    }
    problems.handlerFailed("RPC method " + method + " failed", cause);
    return new RpcException(RpcCode.INTERNAL, "internal error in " + method + ": " + cause.getClass().getSimpleName());
  }

  private void write(Frame frame) {
    ctx.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
  }

  /**
   * A rejected task means the server's event loop shut down: the channel is closed and its calls were
   * cancelled, so an answer arriving now has nobody to go to.
   */
  private void runOnEventLoop(Runnable task) {
    try {
      ctx.executor().execute(task);
    } catch (RejectedExecutionException e) {
      LOG.debug("dropping an answer on {}: its event loop has shut down", ctx.channel());
    }
  }

  private void closeForProtocolError(String reason) {
    problems.protocolError(ctx.channel(), reason);
    ctx.close();
  }

  private final class ServerCall {
    final int id;
    final String method;
    final long deadlineMillis;
    ScheduledFuture<?> deadlineTimer;
    Cancellable cancellable;
    volatile boolean stopped;

    ServerCall(int id, String method, long deadlineMillis) {
      this.id = id;
      this.method = method;
      this.deadlineMillis = deadlineMillis;
    }

    /** Nobody waits for this call any more: stop the handler's work. */
    void stopWork() {
      stopped = true;
      deadlineTimer.cancel(false);
      if (cancellable == null) {
        return;
      }
      try {
        cancellable.cancel();
      } catch (RuntimeException e) {
        problems.handlerFailed("cancelling RPC method " + method + " failed", e);
      }
    }
  }

  private final class Sink implements StreamSink {
    private final ServerCall call;

    Sink(ServerCall call) {
      this.call = call;
    }

    @Override
    public void next(byte[] item) {
      // Always queued, never run inline: items from several threads keep the order of their calls.
      runOnEventLoop(() -> {
        if (calls.get(call.id) != call) {
          return;
        }
        Frame.StreamItem frame = new Frame.StreamItem(call.id, item);
        if (frame.bodyLength() > maxFrameBytes) {
          ServerCallDispatcher.this.fail(call, new IllegalStateException("stream item of " + item.length + " bytes exceeds the maximum frame size"));
          call.stopWork();
          return;
        }
        write(frame);
      });
    }

    @Override
    public void complete() {
      runOnEventLoop(() -> finish(call, new Frame.StreamEnd(call.id)));
    }

    @Override
    public void fail(Throwable error) {
      runOnEventLoop(() -> ServerCallDispatcher.this.fail(call, error));
    }

    @Override
    public boolean isCancelled() {
      return call.stopped;
    }
  }
}
