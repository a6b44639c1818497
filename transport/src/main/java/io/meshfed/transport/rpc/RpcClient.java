package io.meshfed.transport.rpc;

import io.meshfed.protocol.errors.Failures;
import io.meshfed.transport.limit.ConnectionAge;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The client side of internal RPC. Calls to the same {@link PoolKey} share one connection, on which
 * they run concurrently as separate streams. A connection that fails leaves the pool at once and its
 * pending calls fail UNAVAILABLE; the next call dials again. Idle connections close after
 * {@link RpcClientOptions#idleTimeout()}. A connection that reaches
 * {@link RpcClientOptions#maxConnectionAge()} is retired: the next call dials a fresh one, wherever
 * the connector routes the key by then, and the old one closes once its calls have ended.
 *
 * <p>Every call has a deadline; when it passes, the call fails DEADLINE_EXCEEDED (or UNAVAILABLE if
 * no connection could be established by then) and the server is told to stop. Results and stream
 * items are delivered on the client's event loop threads ({@code meshfed-rpc-client-*}): callbacks
 * must not block.
 */
public final class RpcClient implements AutoCloseable {
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
  /** Keeps deadline arithmetic in nanoseconds far from overflow; long watches re-subscribe. */
  public static final Duration MAX_DEADLINE = Duration.ofDays(30);

  private final Connector connector;
  private final RpcClientOptions options;
  private final EventLoopGroup group;
  private final Map<PoolKey, CompletableFuture<ClientConnection>> pool = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public RpcClient(Connector connector, RpcClientOptions options) {
    this.connector = Objects.requireNonNull(connector, "connector");
    this.options = Objects.requireNonNull(options, "options");
    this.group = new MultiThreadIoEventLoopGroup(options.ioThreads(),
        new DefaultThreadFactory("meshfed-rpc-client", true), NioIoHandler.newFactory());
  }

  /**
   * Calls a unary method. The returned stage fails with an {@link RpcException}; cancelling its
   * {@code toCompletableFuture()} cancels the call on the server.
   */
  public CompletionStage<byte[]> call(PoolKey key, String method, byte[] request, Duration deadline) {
    UnaryCall call = new UnaryCall(key, method, request, deadlineMillis(deadline));
    start(call);
    return call.result;
  }

  /** Starts a server stream; the deadline bounds the whole stream, not each item. */
  public RpcStream stream(PoolKey key, String method, byte[] request, Duration deadline, StreamListener listener) {
    StreamCall call = new StreamCall(key, method, request, deadlineMillis(deadline), Objects.requireNonNull(listener, "listener"));
    start(call);
    return call;
  }

  /** Closes every connection (their pending calls fail UNAVAILABLE) and waits for the event loop threads to end. */
  @Override
  public void close() {
    closed = true;
    List<CompletableFuture<ClientConnection>> connections = new ArrayList<>(pool.values());
    pool.clear();
    for (CompletableFuture<ClientConnection> connection : connections) {
      // Calls waiting for a dial still in progress fail now instead of at their deadlines.
      connection.completeExceptionally(new IllegalStateException("RPC client is closed"));
      connection.thenAccept(c -> c.close("RPC client closed"));
    }
    group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static long deadlineMillis(Duration deadline) {
    if (deadline.isNegative() || deadline.isZero() || deadline.compareTo(MAX_DEADLINE) > 0) {
      throw new IllegalArgumentException("deadline must be positive and at most " + MAX_DEADLINE + ", got " + deadline);
    }
    return Math.max(1, deadline.toMillis());
  }

  private void start(ClientCall call) {
    Objects.requireNonNull(call.key, "key");
    Objects.requireNonNull(call.method, "method");
    Objects.requireNonNull(call.request, "request");
    if (closed) {
      call.fail(new RpcException(RpcCode.UNAVAILABLE, "RPC client is closed"));
      return;
    }
    try {
      long delayNanos = call.deadlineNanoTime - System.nanoTime();
      call.startDeadlineTimer(group.next().schedule(call::expire, delayNanos, TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException e) {
      call.fail(new RpcException(RpcCode.UNAVAILABLE, "RPC client is closed"));
      return;
    }
    dispatch(call, true);
  }

  /**
   * Sends the call on the key's pooled connection. A connection found unusable when the REQUEST is
   * about to be written has not seen the call, so the call is retried once on a fresh connection. A
   * retired one does not use up that retry: it has left the pool, and retiring is no failure.
   */
  private void dispatch(ClientCall call, boolean mayRetry) {
    connection(call.key).whenComplete((connection, error) -> {
      if (error != null) {
        call.fail(connectFailure(call.key, error));
      } else {
        connection.send(call, () -> dispatch(call, mayRetry), () -> {
          if (mayRetry) {
            dispatch(call, false);
          } else {
            call.fail(new RpcException(RpcCode.UNAVAILABLE, "connection to " + call.key.describe() + " closed before the request was sent"));
          }
        });
      }
    });
  }

  private CompletableFuture<ClientConnection> connection(PoolKey key) {
    CompletableFuture<ClientConnection> existing = pool.get(key);
    if (existing != null) {
      return existing;
    }
    CompletableFuture<ClientConnection> dialing = new CompletableFuture<>();
    existing = pool.putIfAbsent(key, dialing);
    if (existing != null) {
      return existing;
    }
    dial(key, dialing);
    return dialing;
  }

  private void dial(PoolKey key, CompletableFuture<ClientConnection> entry) {
    ClientConnection connection = new ClientConnection(key, options.maxFrameBytes(), () -> pool.remove(key, entry));
    CompletionStage<Channel> connecting;
    try {
      connecting = connector.connect(key, group, pipeline -> install(pipeline, connection));
    } catch (RuntimeException e) {
      connecting = CompletableFuture.failedFuture(e);
    }
    connecting.whenComplete((channel, error) -> {
      if (error != null) {
        pool.remove(key, entry);
        entry.completeExceptionally(error);
      } else if (closed) {
        channel.close();
        entry.completeExceptionally(new IllegalStateException("RPC client is closed"));
      } else if (channel.pipeline().get(ClientConnection.class) != connection) {
        pool.remove(key, entry);
        channel.close();
        entry.completeExceptionally(new IllegalStateException("connector did not install the RPC pipeline"));
      } else {
        connection.retireAfter(ConnectionAge.drawNanos(options.maxConnectionAge()));
        entry.complete(connection);
      }
    });
  }

  private void install(ChannelPipeline pipeline, ClientConnection connection) {
    pipeline.addLast("rpc-frame-splitter", new FrameSplitter(options.maxFrameBytes()));
    pipeline.addLast("rpc-frame-decoder", new FrameDecoder());
    pipeline.addLast("rpc-frame-encoder", FrameEncoder.INSTANCE);
    pipeline.addLast("rpc-idle-state", new IdleStateHandler(options.keepaliveInterval().toMillis(), 0,
        options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    pipeline.addLast("rpc-keepalive", new Keepalive(connection::callsInFlight, options.keepaliveInterval()));
    pipeline.addLast("rpc-idle-closer", new IdleCloser(connection::callsInFlight));
    pipeline.addLast("rpc-client", connection);
  }

  private static RpcException connectFailure(PoolKey key, Throwable error) {
    Throwable cause = Failures.unwrap(error);
    String reason = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    return new RpcException(RpcCode.UNAVAILABLE, "cannot connect to " + key.describe() + ": " + reason, cause);
  }
}
