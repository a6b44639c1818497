package io.meshfed.actors.guardian;

import io.meshfed.actors.time.Backoff;
import io.meshfed.actors.leader.Leader;
import io.meshfed.actors.leader.RoutineSpec;
import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.store.DcStore;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The server's root actor: makes sure the journal schema exists, then starts the DC's store
 * singleton and hands its proxy to the code that builds the endpoints; that code then
 * sends {@link StartLeader} with the leader's routines, which need those endpoints. The store runs
 * on the oldest server of the DC and moves when that server leaves or dies; every server reaches it
 * through its proxy, which buffers calls while it moves.
 *
 * <p>The guardian is also the parent of the server's other long-lived actors ({@link StartSupervised}:
 * the WAN membership, the gateway locator), each under a {@link Supervisor} that replaces it with
 * backoff when it fails; the leader singleton runs under one too.
 */
public final class ServerGuardian {
  public sealed interface Command {}

  private record SchemaReady() implements Command {}

  private record SchemaFailed(Throwable cause) implements Command {}

  /** Starts the leader singleton with these routines and their details; answers with its proxy. */
  public record StartLeader(List<RoutineSpec> routines, Supplier<Map<String, Map<String, String>>> details,
      CompletableFuture<ActorRef<Leader.Command>> started) implements Command {}

  /**
   * Starts one of the server's long-lived actors as the guardian's child, under a {@link Supervisor}
   * that replaces it with backoff when it fails; answers with the supervisor's reference.
   */
  public record StartSupervised<T>(String name, Behavior<T> behavior, CompletableFuture<ActorRef<T>> started)
      implements Command {}

  static final String STORE_SINGLETON = "dc-store";
  static final String LEADER_SINGLETON = "leader";

  private ServerGuardian() {}

  public static Behavior<Command> create(String datacenter, String nodeName, String journalDescription,
      CompletableFuture<ActorRef<DcStore.Command>> storeStarted) {
    return Behaviors.setup(ctx -> {
      ctx.pipeToSelf(JournalSchema.ensure(ctx.getSystem()),
          (done, err) -> err == null ? new SchemaReady() : new SchemaFailed(err));
      ClusterSingleton singletons = ClusterSingleton.get(ctx.getSystem());
      return Behaviors.receive(Command.class)
          .onMessage(SchemaReady.class, m -> {
            // Journal failures restart the store from inside (onPersistFailure); anything else
            // that throws restarts it here, so the singleton is never left stopped.
            Behavior<DcStore.Command> store = Behaviors.supervise(DcStore.create(datacenter))
                .onFailure(Backoff.SUPERVISION.restartStrategy());
            storeStarted.complete(singletons.init(SingletonActor.of(store, STORE_SINGLETON)));
            return Behaviors.same();
          })
          .onMessage(StartLeader.class, m -> {
            // Shutdown lets the leader stop its routines before the next leader starts them; the
            // supervisor passes it on, and stops once the leader has.
            Behavior<Leader.Command> leader = Leader.create(nodeName, m.routines(), m.details());
            m.started().complete(singletons.init(SingletonActor.of(Supervisor.create(LEADER_SINGLETON, leader),
                LEADER_SINGLETON).withStopMessage(new Leader.Shutdown())));
            return Behaviors.same();
          })
          .onMessage(StartSupervised.class, m -> {
            start(ctx, m);
            return Behaviors.same();
          })
          .onMessage(SchemaFailed.class, m -> {
            storeStarted.completeExceptionally(new IllegalStateException(
                "cannot prepare the journal (" + journalDescription + "): " + rootMessage(m.cause())));
            return Behaviors.stopped();
          })
          .build();
    });
  }

  private static <T> void start(ActorContext<Command> ctx, StartSupervised<T> m) {
    m.started().complete(ctx.spawn(Supervisor.create(m.name(), m.behavior()), m.name()));
  }

  public static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
