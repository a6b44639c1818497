package io.meshfed.server;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.artery.ArteryTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds how long the LAN transport (Artery) may take to end its streams when a server stops.
 *
 * <p>Pekko 1.2's Artery, once its kill switch is pulled, waits for every one of its streams to
 * complete before it unbinds, with no deadline, and the actor system only terminates after that.
 * One stream that never completes (seen on a loaded machine: the TLS control stream to another
 * server of the DC, while a server of another CA kept trying to join) leaves the system, its
 * threads and its LAN port alive for good: a test JVM keeps the server, and a {@code meshfed
 * server} process on SIGTERM only ends when Pekko's JVM hook stops waiting, without the server's
 * own end (data dir released, log line). Pekko 2.0 bounds this wait itself
 * ({@code pekko.remote.artery.advanced.shutdown-streams-timeout}); until meshfed moves to it, this
 * does the same from outside: if the system has not terminated {@code deadline} after the last
 * phase of the coordinated shutdown began, the materializers Artery runs its streams on are shut
 * down. That aborts whatever streams are left, their completions fail (which Artery counts as
 * done), and Artery unbinds and lets the system terminate. By then Artery has flushed to its peers
 * (for at most the 500 ms meshfed gives it) and told every stream to stop.
 */
final class RemotingStopDeadline {
  private static final Logger LOG = LoggerFactory.getLogger(RemotingStopDeadline.class);

  private RemotingStopDeadline() {}

  /** Adds the deadline to {@code system}'s coordinated shutdown; the last phase runs it. */
  static void install(ActorSystem<?> system, Duration deadline) {
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseActorSystemTerminate(),
        "bound-remoting-stop", () -> {
          CompletableFuture<Done> terminated = system.getWhenTerminated().toCompletableFuture()
              .handle((done, err) -> Done.getInstance());
          CompletableFuture<Done> checked = new CompletableFuture<>();
          // Not on the system's scheduler: the wait must end even when the system cannot.
          CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            abortIfRunning(system, terminated, deadline);
            checked.complete(Done.getInstance());
          });
          // The phase waits for the termination, or no longer than the deadline and the check.
          return terminated.applyToEither(checked, done -> done);
        });
  }

  private static void abortIfRunning(ActorSystem<?> system, CompletableFuture<Done> terminated, Duration deadline) {
    if (terminated.isDone()) {
      return;
    }
    try {
      if (abortStreams(system)) {
        LOG.warn("the LAN transport of node {} had not ended its streams {} after the stop began;"
            + " aborted them so that the server stops", system.address(), deadline);
      }
    } catch (RuntimeException e) {
      // On a pool thread nobody would see it otherwise.
      LOG.error("could not abort the LAN transport's streams of {}", system.address(), e);
    }
  }

  /**
   * Shuts down the materializers of the system's Artery transport, aborting every stream it still
   * runs; false when the system has no Artery transport (or it is already gone).
   */
  static boolean abortStreams(ActorSystem<?> system) {
    ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(system);
    if (!(classic.provider() instanceof RemoteActorRefProvider remote)
        || !(remote.transport() instanceof ArteryTransport artery)) {
      return false;
    }
    try {
      artery.materializer().shutdown();
      artery.controlMaterializer().shutdown();
      return true;
    } catch (RuntimeException | LinkageError e) {
      // Internal API of Pekko 1.2: if a later version changes it, the stop goes on as Pekko has it.
      LOG.warn("could not abort the LAN transport's streams of {}: {}", system.address(), e.toString());
      return false;
    }
  }
}
