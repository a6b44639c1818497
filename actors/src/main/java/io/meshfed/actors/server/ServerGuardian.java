package io.meshfed.actors.server;

import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.store.DcStore;
import java.time.Duration;
import io.meshfed.actors.catalog.MemberReconciler;
import io.meshfed.actors.catalog.TcpChecks;
import io.meshfed.actors.endpoint.StoreClient;
import io.meshfed.actors.leader.Leader;
import io.meshfed.actors.leader.RoutineSpec;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The server's root actor: makes sure the journal schema exists, then starts the DC's singletons
 * (DESIGN §4–5) and hands the store's proxy to the code that binds the APIs. The store runs on the
 * oldest server of the DC and moves when that server leaves or dies; every server reaches it
 * through its proxy, which buffers calls while it moves.
 */
final class ServerGuardian {
  sealed interface Command {}

  private record SchemaReady() implements Command {}

  private record SchemaFailed(Throwable cause) implements Command {}

  static final String STORE_SINGLETON = "dc-store";

  private ServerGuardian() {}

  /** What the server gets once its singletons are initialised: proxies that reach them anywhere. */
  record Singletons(ActorRef<DcStore.Command> store, ActorRef<Leader.Command> leader) {}

  static final String LEADER_SINGLETON = "leader";
  static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(30);

  static Behavior<Command> create(String datacenter, String nodeName, String journalDescription,
      CompletableFuture<Singletons> started) {
    return Behaviors.setup(ctx -> {
      ctx.pipeToSelf(JournalSchema.ensure(ctx.getSystem()),
          (done, err) -> err == null ? new SchemaReady() : new SchemaFailed(err));
      return Behaviors.receive(Command.class)
          .onMessage(SchemaReady.class, m -> {
            // Journal failures restart the store from inside (onPersistFailure); anything else
            // that throws restarts it here, so the singleton is never left stopped.
            Behavior<DcStore.Command> store = Behaviors.supervise(DcStore.create(datacenter))
                .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
            ClusterSingleton singletons = ClusterSingleton.get(ctx.getSystem());
            ActorRef<DcStore.Command> storeProxy = singletons.init(SingletonActor.of(store, STORE_SINGLETON));
            StoreClient storeClient = new StoreClient(storeProxy, ctx.getSystem());
            List<RoutineSpec> routines = List.of(
                RoutineSpec.of(MemberReconciler.NAME,
                    () -> MemberReconciler.create(storeClient, datacenter, RECONCILE_INTERVAL)),
                RoutineSpec.of(TcpChecks.NAME, () -> TcpChecks.create(storeClient)));
            // Shutdown lets the leader stop its routines before the next leader starts them.
            ActorRef<Leader.Command> leader = singletons.init(
                SingletonActor.of(Leader.create(nodeName, routines), LEADER_SINGLETON).withStopMessage(new Leader.Shutdown()));
            started.complete(new Singletons(storeProxy, leader));
            return Behaviors.same();
          })
          .onMessage(SchemaFailed.class, m -> {
            started.completeExceptionally(new IllegalStateException(
                "cannot prepare the journal (" + journalDescription + "): " + rootMessage(m.cause())));
            return Behaviors.stopped();
          })
          .build();
    });
  }

  static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
