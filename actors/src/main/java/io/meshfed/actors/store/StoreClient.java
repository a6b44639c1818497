package io.meshfed.actors.store;

import io.meshfed.protocol.errors.Failures;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.persistence.store.DcStore;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/** Asks the DC state store and turns its answers into results or {@link ApiException}s. */
public final class StoreClient {
  /** How long a non-blocking store call may take before the caller gets "unavailable". */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  /**
   * How long after its host's removal a call is sent again: the proxy learns of the removal from
   * the same events, and a call it receives after that waits for the new store.
   */
  static final Duration RESEND_DELAY = Duration.ofMillis(100);
  /** Sent again at this interval while unanswered, in case the proxy still sent it to the old host. */
  static final Duration RESEND_INTERVAL = Duration.ofSeconds(2);
  static final String HOST_LOST = "the DC state store's server failed while this call was in flight; it may "
      + "or may not have been applied; retry";

  /** How often a held call looks whether this server has come Up. */
  static final Duration HOLD_POLL = Duration.ofMillis(50);

  private final ActorRef<DcStore.Command> store;
  private final ActorSystem<?> system;
  /** Null when the store is not a cluster singleton (tests that spawn it): there is no host to lose. */
  private final StoreHost host;
  private final Hold hold;
  /** Calls held until this server is Up; each completes once, by a look or by its own limit. */
  private final Set<CompletableFuture<Void>> held = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Cancellable> looking = new AtomicReference<>();
  private final LongAdder heldThenSent = new LongAdder();
  private final LongAdder heldThenRefused = new LongAdder();

  /**
   * How long a call made while this server is not Up in its DC's cluster waits for it to be
   * (Consul's {@code rpc_hold_timeout}), and while {@code upSoon} says that is worth it: a restarted
   * server then answers its first callers once it has rejoined instead of turning them away, and a
   * server of a DC that waits for more servers still says so at once.
   */
  public record Hold(Duration limit, BooleanSupplier upSoon) {
    public static final Hold NONE = new Hold(Duration.ZERO, () -> false);

    public Hold {
      if (limit.isNegative()) {
        throw new IllegalArgumentException("a hold must not be negative: " + limit);
      }
    }
  }

  /** A client of a store that cannot move (spawned in this actor system). */
  public StoreClient(ActorRef<DcStore.Command> store, ActorSystem<?> system) {
    this(store, system, null, Hold.NONE);
  }

  /** A client of the store singleton's proxy, whose calls fail over when the store's server is removed. */
  public StoreClient(ActorRef<DcStore.Command> store, ActorSystem<?> system, StoreHost host, Hold hold) {
    this.store = store;
    this.system = system;
    this.host = host;
    this.hold = hold;
  }

  /** A write or a non-blocking read. */
  public <T> CompletionStage<T> ask(Function<ActorRef<StatusReply<T>>, DcStore.Command> message) {
    return ask(message, CALL_TIMEOUT);
  }

  /** A blocking read: the ask outlives the store's own wait (capped, plus jitter) by a margin. */
  public <T> CompletionStage<T> askBlocking(
      QueryOptions q, Function<ActorRef<StatusReply<T>>, DcStore.Command> message) {
    return ask(message, q.longestWait().plus(CALL_TIMEOUT));
  }

  private <T> CompletionStage<T> ask(Function<ActorRef<StatusReply<T>>, DcStore.Command> message, Duration timeout) {
    Optional<String> notJoined = notJoined();
    if (notJoined.isEmpty()) {
      return send(message, timeout);
    }
    if (hold.limit().isZero() || !mayComeUpSoon()) {
      return notUp(notJoined.get());
    }
    // The hold is part of the call's deadline, so a caller's own timeout set past it still comes second.
    long start = System.nanoTime();
    return upWithin(hold.limit().compareTo(timeout) < 0 ? hold.limit() : timeout).thenCompose(ignored -> {
      Duration left = timeout.minusNanos(System.nanoTime() - start);
      Optional<String> still = notJoined();
      (still.isPresent() ? heldThenRefused : heldThenSent).increment();
      return still.<CompletionStage<T>>map(StoreClient::notUp)
          .orElseGet(() -> send(message, left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left));
    });
  }

  /** The hold in Prometheus text 0.0.4: calls held now, and how held calls ended. */
  public String prometheus() {
    return "# HELP meshfed_store_calls_held calls to the DC state store held now until this server is Up in its "
        + "DC's cluster (lan.rpc-hold-timeout)\n"
        + "# TYPE meshfed_store_calls_held gauge\n"
        + "meshfed_store_calls_held " + held.size() + "\n"
        + "# HELP meshfed_store_calls_held_total held calls, by how the hold ended: sent once the server was Up, "
        + "or refused with 503 when it was not\n"
        + "# TYPE meshfed_store_calls_held_total counter\n"
        + "meshfed_store_calls_held_total{outcome=\"sent\"} " + heldThenSent.sum() + "\n"
        + "meshfed_store_calls_held_total{outcome=\"refused\"} " + heldThenRefused.sum() + "\n";
  }

  private static <T> CompletionStage<T> notUp(String why) {
    return CompletableFuture.failedFuture(new ApiException(ApiException.Code.UNAVAILABLE, why));
  }

  /**
   * Completes when this server is Up, when it can no longer come Up soon, or after {@code limit},
   * whichever is first; the caller looks again at what holds then.
   */
  private CompletableFuture<Void> upWithin(Duration limit) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    held.add(done);
    keepLooking();
    Cancellable deadline = system.scheduler().scheduleOnce(limit, () -> done.complete(null), system.executionContext());
    done.whenComplete((ignored, err) -> {
      held.remove(done);
      deadline.cancel();
    });
    return done;
  }

  /**
   * One look every {@link #HOLD_POLL} for all held calls, however many a flood of them makes, and
   * none while no call is held.
   */
  private void keepLooking() {
    if (looking.get() != null) {
      return;
    }
    Cancellable started = system.scheduler().scheduleWithFixedDelay(HOLD_POLL, HOLD_POLL, this::look,
        system.executionContext());
    if (!looking.compareAndSet(null, started)) {
      started.cancel();
    }
  }

  /** Whether a look is scheduled (tests: none is once no call is held). */
  boolean looking() {
    return looking.get() != null;
  }

  private void look() {
    if (notJoined().isEmpty() || !mayComeUpSoon()) {
      held.forEach(f -> f.complete(null));
    }
    if (held.isEmpty()) {
      Cancellable stopped = looking.getAndSet(null);
      if (stopped != null) {
        stopped.cancel();
      }
      // A call held between the look at the set and the stop would otherwise wait out its limit.
      if (!held.isEmpty()) {
        keepLooking();
      }
    }
  }

  private <T> CompletionStage<T> send(Function<ActorRef<StatusReply<T>>, DcStore.Command> message, Duration timeout) {
    Optional<UniqueAddress> at = host == null ? Optional.empty() : host.current();
    if (at.isEmpty()) {
      return AskPattern.<DcStore.Command, T>askWithStatus(store, message::apply, timeout, system.scheduler())
          .exceptionally(err -> {
            throw translate(err, timeout);
          });
    }
    AtomicReference<DcStore.Command> sent = new AtomicReference<>();
    CompletableFuture<T> answer = AskPattern.<DcStore.Command, T>askWithStatus(store, reply -> {
      DcStore.Command c = message.apply(reply);
      sent.set(c);
      return c;
    }, timeout, system.scheduler()).toCompletableFuture();
    CompletableFuture<T> result = new CompletableFuture<>();
    AtomicReference<Cancellable> resends = new AtomicReference<>();
    AutoCloseable watch = host.onRemoved(at.get(), () -> {
      if (!sent.get().idempotent()) {
        result.completeExceptionally(new ApiException(ApiException.Code.UNAVAILABLE, HOST_LOST));
        return;
      }
      // The same message, so the same reply-to: whichever copy is answered first answers the
      // caller, within the original deadline.
      Cancellable r = system.scheduler().scheduleAtFixedRate(RESEND_DELAY, RESEND_INTERVAL,
          () -> store.tell(sent.get()), system.executionContext());
      resends.set(r);
      // Answered meanwhile: the completion below may have looked before the set.
      if (result.isDone()) {
        r.cancel();
      }
    });
    answer.whenComplete((value, err) -> {
      if (err == null) {
        result.complete(value);
      } else {
        result.completeExceptionally(translate(err, timeout));
      }
    });
    result.whenComplete((value, err) -> {
      closeQuietly(watch);
      Cancellable r = resends.get();
      if (r != null) {
        r.cancel();
      }
    });
    return result;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A server that has left or been downed never comes Up again; otherwise the hold's own judgement. */
  private boolean mayComeUpSoon() {
    return !terminated() && Cluster.get(system).selfMember().status() != MemberStatus.down()
        && hold.upSoon().getAsBoolean();
  }

  private boolean terminated() {
    return Adapter.toClassic(system).hasExtension(org.apache.pekko.cluster.Cluster.lookup())
        && org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).isTerminated();
  }

  /**
   * Until this server is Up in its DC's cluster, the store cannot be reached from here; saying why
   * beats a caller waiting out the call timeout.
   */
  private Optional<String> notJoined() {
    Cluster cluster = Cluster.get(system);
    MemberStatus status = cluster.selfMember().status();
    if (status == MemberStatus.up() || status == MemberStatus.leaving() || status == MemberStatus.exiting()) {
      return Optional.empty();
    }
    // Before it has joined, a member reports itself Removed; after leaving, the cluster is terminated.
    if (terminated() || status == MemberStatus.down()) {
      return Optional.of("this server has left its DC's cluster (" + status + "); use another server");
    }
    int expected = system.settings().config().getInt("pekko.cluster.min-nr-of-members");
    long joined = StreamSupport.stream(cluster.state().getMembers().spliterator(), false).count();
    return Optional.of("this server is waiting for its DC to form: " + joined + " of " + expected
        + " servers are in the cluster (bootstrap-expect = " + expected + "); retry");
  }

  private static ApiException translate(Throwable err, Duration timeout) {
    Throwable cause = Failures.unwrap(err);
    if (cause instanceof StatusReply.ErrorMessage rejected) {
      return ApiException.invalid(rejected.getMessage());
    }
    if (cause instanceof TimeoutException) {
      return new ApiException(ApiException.Code.UNAVAILABLE,
          "the DC state store did not answer within " + timeout.toSeconds() + "s; retry");
    }
    return ApiException.from(cause);
  }
}
