package io.meshfed.actors.server;

import io.meshfed.persistence.journal.JournalSchema;
import io.meshfed.persistence.store.DcStore;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The server's root actor: makes sure the journal schema exists, then starts the DC state store
 * and hands its reference to the code that binds the APIs. If the store stops, the server cannot
 * serve anything, so the whole actor system stops and the process exits with the reason.
 */
final class ServerGuardian {
  sealed interface Command {}

  private record SchemaReady() implements Command {}

  private record SchemaFailed(Throwable cause) implements Command {}

  private ServerGuardian() {}

  static Behavior<Command> create(String datacenter, String journalDescription,
      CompletableFuture<ActorRef<DcStore.Command>> storeStarted) {
    return Behaviors.setup(ctx -> {
      ctx.pipeToSelf(JournalSchema.ensure(ctx.getSystem()),
          (done, err) -> err == null ? new SchemaReady() : new SchemaFailed(err));
      return Behaviors.receive(Command.class)
          .onMessage(SchemaReady.class, m -> {
            ActorRef<DcStore.Command> store = ctx.spawn(DcStore.create(datacenter), "dc-store");
            ctx.watch(store);
            storeStarted.complete(store);
            return Behaviors.same();
          })
          .onMessage(SchemaFailed.class, m -> {
            storeStarted.completeExceptionally(new IllegalStateException(
                "cannot prepare the journal (" + journalDescription + "): " + rootMessage(m.cause())));
            return Behaviors.stopped();
          })
          .onSignal(Terminated.class, t -> {
            ctx.getLog().error("The DC state store stopped (journal {}); shutting the server down", journalDescription);
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
