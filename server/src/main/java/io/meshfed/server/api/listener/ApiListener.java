package io.meshfed.server.api.listener;

import io.meshfed.transport.logging.RateLimitedLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * A TCP listener for a client API that bounds what a client can hold before it does any work for
 * it: connections in all and per client address (extra ones get one line and are closed at once,
 * without being read), the time to a first complete request, and idle time between requests (see
 * {@link ConnectionGuard}). Each admitted connection then speaks the {@link ProtocolStack}.
 *
 * <p>Stopping is two steps, as for a Pekko HTTP binding: {@link #unbind} stops accepting;
 * {@link #terminate} closes idle connections at once, lets requests in progress finish until the
 * deadline, then closes whatever is left.
 */
public final class ApiListener {
  /** Pending connections the kernel queues while the accept loop is busy. */
  private static final int BACKLOG = 1024;
  /** After the deadline, connections are cut; this is how long that may take to be reported. */
  private static final Duration ABORT_GRACE = Duration.ofSeconds(1);
  private static final Duration REFUSAL_LINGER = Duration.ofSeconds(1);
  private static final int MAX_LINGERING = 256;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ApiListener.class);

  private final ActorSystem<?> system;
  private final String name;
  private final Materializer materializer;
  private final ConnectionLimits limits;
  private final ProtocolStack stack;
  private final ListenerStats stats;
  private final ConnectionCounter counter;
  private final Optional<ApiTls> tls;
  private final RateLimitedLog tlsLog;
  private final SharedKillSwitch killSwitch;
  private final Set<ConnectionActivity> open = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Done> allClosed = new CompletableFuture<>();
  private final AtomicInteger lingering = new AtomicInteger();
  private volatile boolean stopping;
  private volatile Tcp.ServerBinding binding;

  private ApiListener(ActorSystem<?> system, String name, ConnectionLimits limits, ProtocolStack stack,
      ListenerStats stats, Optional<ApiTls> tls) {
    this.system = system;
    this.name = name;
    this.materializer = Materializer.matFromSystem(system);
    this.limits = limits;
    this.stack = stack;
    this.stats = stats;
    this.counter = new ConnectionCounter(limits);
    this.tls = tls;
    this.tlsLog = RateLimitedLog.warn(org.slf4j.LoggerFactory.getLogger(TlsLayer.class));
    this.killSwitch = KillSwitches.shared(name);
    stats.openConnections(counter::open);
  }

  /**
   * Binds {@code host:port} (0 picks a free port); fails if the address cannot be bound. With
   * {@code tls}, every connection is TLS, terminated before the connection guard and the stack.
   */
  public static CompletionStage<ApiListener> bind(ActorSystem<?> system, String name, String host, int port,
      ConnectionLimits limits, ProtocolStack stack, ListenerStats stats, Optional<ApiTls> tls) {
    ApiListener listener = new ApiListener(system, name, limits, stack, stats, tls);
    Source<Tcp.IncomingConnection, CompletionStage<Tcp.ServerBinding>> connections =
        Tcp.get(system).bind(host, port, BACKLOG, List.of(), false, Optional.empty());
    var bound = connections.toMat(Sink.foreach(listener::accept), Keep.both()).run(listener.materializer);
    bound.second().whenComplete((done, failure) -> {
      if (failure != null && !listener.stopping) {
        LOG.error("the {} stopped accepting connections", name, failure);
      }
    });
    return bound.first().thenApply(binding -> {
      listener.binding = binding;
      return listener;
    });
  }

  public InetSocketAddress localAddress() {
    return binding.localAddress();
  }

  /** Stops accepting connections; the open ones go on. */
  public CompletionStage<Done> unbind() {
    return binding.unbind().thenApply(unit -> Done.getInstance());
  }

  /**
   * Closes every connection: those without a request in progress at once, the others when their
   * request ends or at {@code deadline}, whichever is first. Completes when all are closed.
   */
  public CompletionStage<Done> terminate(Duration deadline) {
    stopping = true;
    open.forEach(ConnectionActivity::drain);
    closedIfNoneOpen();
    system.scheduler().scheduleOnce(deadline, () -> {
      if (!allClosed.isDone()) {
        killSwitch.shutdown();
      }
    }, system.executionContext());
    return allClosed.copy().completeOnTimeout(Done.getInstance(), deadline.plus(ABORT_GRACE).toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void accept(Tcp.IncomingConnection incoming) {
    InetAddress client = incoming.remoteAddress().getAddress();
    if (stopping) {
      refuse(incoming, new ProtocolStack.Refusal(ProtocolStack.Refusal.Kind.STOPPING, "the server is stopping"));
      return;
    }
    Optional<ProtocolStack.Refusal> refusal = counter.admit(client);
    if (refusal.isPresent()) {
      (refusal.get().kind() == ProtocolStack.Refusal.Kind.PER_CLIENT_LIMIT ? stats.refusedPerClient
          : stats.refusedTotal).incrementAndGet();
      refuse(incoming, refusal.get());
      return;
    }
    stats.accepted.incrementAndGet();
    ConnectionActivity activity = new ConnectionActivity();
    open.add(activity);
    Runnable closed = () -> {
      counter.release(client);
      open.remove(activity);
      closedIfNoneOpen();
    };
    try {
      Flow<ByteString, ByteString, ?> plain = ConnectionGuard.create(limits, stack.farewells(), activity, stats)
          .join(stack.connection(activity, incoming.remoteAddress()));
      Flow<ByteString, ByteString, ?> connection = (tls.isPresent()
          ? TlsLayer.create(tls.get(), name, incoming.remoteAddress(), stats, tlsLog).join(plain) : plain)
          .via(killSwitch.flow())
          .watchTermination((mat, done) -> {
            done.whenComplete((d, e) -> closed.run());
            return mat;
          });
      incoming.handleWith(connection, materializer);
    } catch (RuntimeException e) {
      // One connection that cannot be set up must not end the accept loop or keep its slot.
      closed.run();
      LOG.error("the {} could not set up a connection from {}", name, incoming.remoteAddress(), e);
      incoming.handleWith(Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()), materializer);
    }
  }

  private void closedIfNoneOpen() {
    if (stopping && open.isEmpty()) {
      allClosed.complete(Done.getInstance());
    }
  }

  /**
   * Writes the refusal and closes. Closing a socket with unread input makes the kernel answer with
   * a reset, which can overtake the refusal (an HTTP client sends its request at once), so a
   * refused connection lingers until the client closes, at most {@link #REFUSAL_LINGER} - but
   * only {@link #MAX_LINGERING} of them at a time, so that a flood of refused connections cannot
   * hold sockets: beyond that they are closed at once.
   */
  private void refuse(Tcp.IncomingConnection incoming, ProtocolStack.Refusal refusal) {
    // A TLS client can read no plain-text refusal: it sees the connection closed (and it is counted).
    Source<ByteString, ?> answer = tls.isPresent() ? Source.empty() : Source.single(stack.refusal(refusal));
    if (lingering.incrementAndGet() > MAX_LINGERING) {
      lingering.decrementAndGet();
      incoming.handleWith(Flow.fromSinkAndSourceCoupled(Sink.ignore(), answer), materializer);
      return;
    }
    Source<ByteString, ?> lingeringAnswer = answer.concat(Source.<ByteString>never().takeWithin(REFUSAL_LINGER))
        .watchTermination((mat, done) -> {
          done.whenComplete((d, e) -> lingering.decrementAndGet());
          return mat;
        });
    incoming.handleWith(Flow.fromSinkAndSourceCoupled(Sink.ignore(), lingeringAnswer), materializer);
  }
}
