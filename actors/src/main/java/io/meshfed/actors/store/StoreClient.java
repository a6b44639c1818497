package io.meshfed.actors.store;

import io.meshfed.protocol.errors.Failures;
import io.meshfed.protocol.errors.ApiException;
import io.meshfed.persistence.store.DcStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/** Asks the DC state store and turns its answers into results or {@link ApiException}s. */
public final class StoreClient {
  /** How long a non-blocking store call may take before the caller gets "unavailable". */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final ActorRef<DcStore.Command> store;
  private final ActorSystem<?> system;

  public StoreClient(ActorRef<DcStore.Command> store, ActorSystem<?> system) {
    this.store = store;
    this.system = system;
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
    if (notJoined.isPresent()) {
      return CompletableFuture.failedFuture(new ApiException(ApiException.Code.UNAVAILABLE, notJoined.get()));
    }
    return AskPattern.<DcStore.Command, T>askWithStatus(store, message::apply, timeout, system.scheduler())
        .exceptionally(err -> {
          throw translate(err, timeout);
        });
  }

  /**
   * Until this server is Up in its DC's cluster, the store cannot be reached from here; saying why
   * at once beats a caller waiting out the call timeout.
   */
  private Optional<String> notJoined() {
    Cluster cluster = Cluster.get(system);
    MemberStatus status = cluster.selfMember().status();
    if (status == MemberStatus.up() || status == MemberStatus.leaving() || status == MemberStatus.exiting()) {
      return Optional.empty();
    }
    // Before it has joined, a member reports itself Removed; after leaving, the cluster is terminated.
    boolean left = Adapter.toClassic(system).hasExtension(org.apache.pekko.cluster.Cluster.lookup())
        && org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).isTerminated();
    if (left || status == MemberStatus.down()) {
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
