package io.meshfed.transport.rpc;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The server side of internal RPC: a registry of methods and the pipeline that serves them on an
 * accepted connection. It owns no sockets or threads; the server port accepts connections, selects
 * {@code meshfed/rpc} (ALPN or plaintext type byte) and hands the pipeline to
 * {@link #pipelineInstaller()}. Handlers run on the connection's event loop.
 */
public final class RpcServer {
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
  /**
   * Longer than the client's default idle time: the client normally closes an idle connection first,
   * so it never sends a request into a connection the server is closing. This catches clients that
   * vanished without a FIN.
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /** A registered method: exactly one of the handlers is set. */
  record Method(String name, UnaryHandler unary, StreamHandler stream) {
    boolean streaming() {
      return stream != null;
    }
  }

  private final Map<String, Method> methods;
  private final int maxFrameBytes;
  private final Duration idleTimeout;
  private final RpcProblems problems = new RpcProblems(new RpcServerStats());

  private RpcServer(Builder builder) {
    this.methods = Map.copyOf(builder.methods);
    this.maxFrameBytes = builder.maxFrameBytes;
    this.idleTimeout = builder.idleTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Installs frame codec, idle handling and call dispatch at the end of an accepted channel's pipeline. */
  public Consumer<ChannelPipeline> pipelineInstaller() {
    return pipeline -> {
      ServerCallDispatcher dispatcher = new ServerCallDispatcher(methods, maxFrameBytes, problems);
      pipeline.addLast("rpc-frame-splitter", new FrameSplitter(maxFrameBytes));
      pipeline.addLast("rpc-frame-decoder", new FrameDecoder());
      pipeline.addLast("rpc-frame-encoder", FrameEncoder.INSTANCE);
      pipeline.addLast("rpc-idle-state", new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
      pipeline.addLast("rpc-ping-responder", PingResponder.INSTANCE);
      pipeline.addLast("rpc-idle-closer", new IdleCloser(dispatcher::callsInFlight));
      pipeline.addLast("rpc-dispatcher", dispatcher);
    };
  }

  /** Protocol errors and handler failures over every connection this server was installed on. */
  public RpcServerStats stats() {
    return problems.stats();
  }

  public static final class Builder {
    private final Map<String, Method> methods = new HashMap<>();
    private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

    private Builder() {}

    public Builder unary(String method, UnaryHandler handler) {
      return register(new Method(method, Objects.requireNonNull(handler, "handler"), null));
    }

    public Builder stream(String method, StreamHandler handler) {
      return register(new Method(method, null, Objects.requireNonNull(handler, "handler")));
    }

    public Builder maxFrameBytes(int maxFrameBytes) {
      if (maxFrameBytes < Frame.HEADER_BYTES) {
        throw new IllegalArgumentException("maxFrameBytes must be at least " + Frame.HEADER_BYTES);
      }
      this.maxFrameBytes = maxFrameBytes;
      return this;
    }

    public Builder idleTimeout(Duration idleTimeout) {
      if (idleTimeout.isNegative() || idleTimeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive");
      }
      this.idleTimeout = idleTimeout;
      return this;
    }

    public RpcServer build() {
      return new RpcServer(this);
    }

    private Builder register(Method method) {
      if (methods.putIfAbsent(method.name(), method) != null) {
        throw new IllegalArgumentException("method " + method.name() + " is already registered");
      }
      return this;
    }
  }
}
